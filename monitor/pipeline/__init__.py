"""The pipeline: runs collectors, the classifier and the scorer against storage."""

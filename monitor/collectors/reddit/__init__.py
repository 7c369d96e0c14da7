"""Reddit source: keyword searches, subreddit comments and the brand accounts' replies via praw."""

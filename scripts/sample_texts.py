"""Templates of the synthetic posts in the bundled sample (brand replies, customer follow-ups).

All invented for the sample: they are marked ``"synthetic": true`` in every row they make.
``{agent}`` is a care agent's initials, the way airline care teams sign their tweets.
"""

from __future__ import annotations

import re

AGENTS = ["JH", "KD", "MR", "AL", "TS", "BW", "CN", "EP", "GV", "LM", "RS", "DK"]

HANDLE_HEADS = [
    "sky", "jet", "travel", "wander", "nomad", "road", "city", "blue", "sunny", "coffee",
    "happy", "frequent", "window", "aisle", "mile", "red", "north", "west", "south", "east",
    "lake", "river", "desert", "mountain", "night", "early", "lucky", "quiet", "urban", "salty",
]  # fmt: skip
HANDLE_TAILS = [
    "flyer", "runner", "girl", "guy", "dad", "mom", "fan", "kid", "writer", "nerd", "chef",
    "coach", "doc", "photog", "traveler", "geek", "lover", "bear", "fox", "owl", "cat", "bee",
]  # fmt: skip

_TOPICS = [
    ("bags", r"\b(bags?|luggage|baggage|suitcase)\b"),
    ("delay", r"\b(delay\w*|late|cancel\w*|stuck|missed|rebook\w*|connection|stranded)\b"),
    ("seat", r"\b(seats?|upgrade\w*|legroom|boarding)\b"),
    ("money", r"\b(refund\w*|compensat\w*|voucher|fees?|charged?|miles)\b"),
    ("service", r"\b(hold|phone|call\w*|agents?|customer service|rude|staff)\b"),
    ("digital", r"\b(wifi|app|website|online|check-?in|email)\b"),
]


def topic_of(text: str) -> str:
    """What a complaint is about, from its words; ``general`` when nothing matches."""
    lowered = text.lower()
    for topic, pattern in _TOPICS:
        if re.search(pattern, lowered):
            return topic
    return "general"


BRAND_FIRST: dict[str, list[str]] = {
    "bags": [
        "We're sorry your bag didn't arrive with you. Please DM us your baggage file reference "
        "and we'll check on its status. ^{agent}",
        "Sorry about your luggage. If you have a file reference, send it to us via DM and we'll "
        "follow up with the baggage team. ^{agent}",
        "We understand how stressful a missing bag is. DM us your bag tag number so we can "
        "track it down. ^{agent}",
    ],
    "delay": [
        "We're sorry for the delay and the disruption to your plans. Please DM your "
        "confirmation number and we'll look at options for you. ^{agent}",
        "Sorry about the trouble with your flight today. Send us a DM with your confirmation "
        "number and we'll check on rebooking. ^{agent}",
        "We apologize for the wait. Our team is working to get everyone on their way; DM us "
        "your record locator and we'll take a look. ^{agent}",
    ],
    "seat": [
        "Sorry your seating didn't work out. Please DM us your confirmation number so we can "
        "review your reservation. ^{agent}",
        "We're sorry about the seat assignment. Follow and DM us your flight details and we'll "
        "see what we can do. ^{agent}",
    ],
    "money": [
        "We're sorry for the frustration. Refund and compensation requests can be submitted at "
        "united.com/refunds; DM us if you need help with it. ^{agent}",
        "Sorry about the charge. Please DM us your confirmation number and receipt details and "
        "we'll look into it. ^{agent}",
    ],
    "service": [
        "We're sorry your experience with our team fell short. Please DM us the details so we "
        "can share your feedback and help. ^{agent}",
        "Sorry about the long hold times today. We're here now: DM us your confirmation number "
        "and we'll help. ^{agent}",
    ],
    "digital": [
        "Sorry for the trouble online. Please try clearing your cache, and DM us your "
        "confirmation number if it still doesn't work. ^{agent}",
        "We apologize for the technical issue. Send us a DM with your details and we'll help "
        "you finish your booking. ^{agent}",
    ],
    "general": [
        "We're sorry to hear this. Please DM us more details so we can look into it. ^{agent}",
        "That's not the experience we want for you. Please follow and DM us your confirmation "
        "number so we can help. ^{agent}",
        "We apologize for the frustration. DM us the details and we'll do our best to make it "
        "right. ^{agent}",
    ],
}

BRAND_SECOND = [
    "We understand, and we're sorry we haven't resolved this yet. A member of our team will "
    "reach out via DM shortly. ^{agent}",
    "We hear you and apologize. We've escalated your case; please check your DMs. ^{agent}",
    "Sorry for the back and forth. We've reviewed your reservation and sent you an update via "
    "DM. ^{agent}",
]

BRAND_NEUTRAL = [
    "Thanks for reaching out. Please DM us your confirmation number and we'll check that for "
    "you. ^{agent}",
    "Good question. You can find the details at united.com, or DM us your flight number and "
    "we'll confirm. ^{agent}",
    "Hi there, your flight is currently showing on time. Let us know if you need anything "
    "else. ^{agent}",
]

BRAND_POSITIVE = [
    "Thanks for the kind words! We'll pass them on to the crew. ^{agent}",
    "We love to hear it. Thanks for flying with us! ^{agent}",
    "Thank you! We're glad you had a great flight. ^{agent}",
]

USER_POSITIVE = [
    "Thank you, that worked!",
    "Thanks for the quick response, much appreciated.",
    "Great, all sorted now. Thanks for your help!",
    "DM sent, thanks for the help!",
    "Ok, thank you. Got the update, that helps.",
    "Thanks! My bag just arrived.",
    "Appreciate it, I'm rebooked and on my way.",
]

USER_NEGATIVE = [
    "That doesn't help at all. I already tried that.",
    "Still waiting and still no answer. This is ridiculous.",
    "I sent a DM hours ago and nobody has replied. Terrible.",
    "A canned response is not a solution. Very disappointed.",
    "This is the third time I'm asking. Nobody seems to care.",
]

USER_CHASE = [
    "Hello?? Is anyone there? Still waiting for a reply. Not impressed.",
    "Still no response. Is anyone actually reading these? So frustrating.",
    "Hours later and still nothing. Worst customer service ever.",
    "Any update? I'm still stuck and nobody is answering.",
]

"""Phrase parts for scripts/make_synthetic_sample.py: every post is composed from several parts
plus order numbers, products and places, so no text repeats like a template would.

Brewly (coffee machines, beans by subscription), Beanbox and Grindhouse are invented brands.
"""

from __future__ import annotations

PRODUCTS = [
    "Aurora espresso machine", "Nimbus grinder", "Pro kettle", "house blend subscription",
    "Guji beans", "decaf box", "cold brew kit", "milk frother", "pour-over set",
    "Aurora Mini", "descaling kit", "travel mug", "Colombia Huila beans", "espresso sampler",
]  # fmt: skip
MACHINES = [
    "Aurora espresso machine",
    "Nimbus grinder",
    "Pro kettle",
    "Aurora Mini",
    "milk frother",
]
COURIERS = ["the courier", "DPX", "ParcelGo", "the delivery driver", "RoyalPost"]
PLACES = [
    "Leeds", "Boston", "Austin", "Denver", "Toronto", "Bristol", "Portland", "Chicago",
    "Dublin", "Seattle", "Atlanta", "Glasgow", "Phoenix", "Raleigh", "Ottawa", "Nashville",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

#: Complaint topics: each sentence takes {product}, {order}, {days}, {courier}, {place}, {n}.
COMPLAINTS: dict[str, list[str]] = {
    "late": [
        "order {order} was due {days} days ago and still nothing",
        "my {product} was supposed to arrive {weekday}, tracking hasn't moved since",
        "{days} days late and the tracking page for {order} just says 'processing'",
        "still waiting on {order}, {courier} says it was never handed over",
        "my subscription delivery is late for the {n}nd month running",
    ],
    "damaged": [
        "my {machine} arrived with a cracked water tank",
        "the box for {order} was crushed and the {product} inside is dented",
        "opened my {machine} today and the portafilter handle is snapped off",
        "{product} arrived leaking everywhere, bag split open in the parcel",
        "the glass carafe of my {product} came in pieces",
    ],
    "broken": [
        "my {machine} stopped heating after {n} weeks",
        "the {machine} makes a grinding noise and then cuts out",
        "{machine} is showing error E{n}{n} and won't pull a shot",
        "the steam wand on my {machine} has stopped working completely",
        "my {machine} leaks from the bottom every time I brew",
    ],
    "billing": [
        "I was charged twice for order {order}",
        "you billed my card for a subscription I cancelled in {month}",
        "refund for {order} was promised {days} days ago, still not on my card",
        "charged full price even though the {product} was on offer at checkout",
        "my account shows {n} payments this month for one box",
    ],
    "wrong": [
        "ordered {product} and received a {other} instead",
        "got decaf instead of the {product} I ordered in {order}",
        "order {order} was missing the {product}",
        "received someone else's parcel, addressed to {place}",
        "the {product} in my box was ground when I ordered whole beans",
    ],
    "service": [
        "I've emailed support {n} times about {order} with no answer",
        "your live chat closed on me twice while I was explaining about {order}",
        "was on hold {n}0 minutes and then got cut off",
        "the return label you sent for {order} doesn't scan at {courier}",
        "nobody has replied to my ticket about the {product} in {days} days",
    ],
    "app": [
        "the app keeps logging me out before I can skip this week's box",
        "can't update my card in the app, it just spins",
        "checkout fails with 'something went wrong' on the website",
        "the app crashes as soon as I open my subscription",
        "your website won't let me change my delivery address",
    ],
}
OUTAGE = [
    "is the site down? checkout just errors",
    "can't log in to the app at all right now",
    "checkout is broken, tried {n} cards",
    "app says 'service unavailable' when I try to pay",
    "website keeps timing out at the payment step",
    "trying to order for the last half hour and it keeps failing",
    "is anyone else getting errors at checkout?",
]
OPENERS = [
    "", "", "", "Hi, ", "Hello, ", "Honestly, ", "Seriously, ", "Not happy: ", "Ugh. ",
    "Third time asking: ", "So disappointed, ", "Come on, ", "Help please, ",
]  # fmt: skip
CLOSERS = [
    "", "", "", ". Really disappointed.", ". What's going on?", ". Please sort this out.",
    ". Not good enough.", ". Can someone help?", ". This is my {n}rd order too.",
    ". Considering cancelling.", ", sort it out please.", ". Any update?", ". So frustrating.",
    ". I just want my coffee.", ". Paid for express delivery as well.", "!!", "?!",
    ". Second time this month.", ". Not what I expect from you.",
]  # fmt: skip

QUESTIONS = [
    "where is my order {order}? tracking hasn't updated",
    "how do I pause my subscription while I'm away?",
    "how do I descale the {machine}?",
    "do you ship to {place}?",
    "can I change the delivery address on {order}?",
    "is the {product} compatible with the {other}?",
    "how do I skip next week's box?",
    "when will the {product} be back in stock?",
    "where is my order? it's been {days} days",
    "how do I change my grind size for the subscription?",
    "is there a warranty on the {machine}?",
    "how do I cancel my subscription?",
    "what's the difference between the {product} and the {other}?",
    "can I gift a subscription to someone in {place}?",
    "how do I reset the {machine} to factory settings?",
]
Q_OPENERS = ["", "", "Hi! ", "Quick question: ", "Hey, ", "Hello, ", "Hi there, "]
Q_CLOSERS = ["", "", " Thanks!", " Thanks in advance.", " Cheers.", " Couldn't find it online."]

PRAISE = [
    "my {product} arrived a day early and it's gorgeous",
    "the {product} makes the best flat white I've had at home",
    "loving the {product}, worth every penny",
    "thank you for the handwritten note in my box",
    "support sorted my {product} in ten minutes, brilliant",
    "the new seasonal blend is fantastic",
    "{n} months in and the subscription is still spot on",
    "switched from Beanbox to you last month and no regrets",
    "the {product} was so easy to set up",
    "great packaging, no plastic at all",
]
NEUTRAL = [
    "just ordered the {product}, will report back",
    "trying the {product} this weekend",
    "anyone compared the {product} with the Grindhouse one?",
    "Beanbox vs Brewly for beans, thoughts?",
    "saw the {product} in a cafe in {place} today",
    "my {product} should come {weekday}",
    "first time trying Brewly's {product}",
    "the {product} is on sale this week",
    "thinking about a {product} for the office",
    "Brewly or Beanbox for a first subscription?",
]
COMPETITOR_COMPLAINTS = [
    "my order still hasn't shipped after {days} days",
    "the new grinder leaks oil",
    "my subscription renewed without warning",
    "delivery to {place} took {n} weeks",
    "the grinder I bought from you is already broken",
    "charged twice again this month",
    "box arrived with the beans stale",
    "nobody answers my emails",
    "the app won't let me skip a delivery",
]
COMPETITOR_PRAISE = [
    "the new espresso roast is lovely",
    "got my box in {place} a day early",
    "{n} years a subscriber and still happy",
    "your decaf is the best I've found",
    "fast delivery as always",
    "great value subscription",
    "really like the recyclable pods",
]

#: Brand replies: greeting + acknowledgement + topic action + sign-off.
GREETINGS = ["Hi {name}, ", "Hello {name}, ", "Hey {name}, ", "{name}, ", "Hi there {name}, "]
SORRY = [
    "we're really sorry about this. ", "sorry to hear that. ", "that's not the experience we "
    "want for you. ", "apologies for the trouble. ", "thanks for flagging this. ",
    "sorry for the wait on this. ", "we understand how frustrating that is. ",
]  # fmt: skip
ACTIONS: dict[str, list[str]] = {
    "late": [
        "Could you DM us the order number so we can chase {courier}?",
        "We've checked {order}: it's with {courier} and due {weekday}.",
        "We've raised a trace on {order} and will update you by {weekday}.",
        "Please send us your postcode in DM and we'll look into the delay.",
    ],
    "damaged": [
        "Please DM us a photo and we'll send a replacement right away.",
        "We'll ship a new {product} today; no need to return the damaged one.",
        "Could you DM us your order number and a photo of the box?",
    ],
    "broken": [
        "That sounds like a warranty repair. DM us the serial number and we'll book a pickup.",
        "Could you try a descale cycle first? If it persists, DM us and we'll replace it.",
        "We'll send a replacement part; can you DM us your order number?",
    ],
    "billing": [
        "We can see the double charge; a refund is on its way (3-5 working days).",
        "Please DM us the last 4 digits of the card and we'll check the payments.",
        "We've cancelled the extra payment; it should drop off within a few days.",
    ],
    "wrong": [
        "We'll send the right {product} today with a prepaid return label for the other.",
        "Could you DM us your order number? We'll get the correct item out to you.",
    ],
    "service": [
        "We've found your ticket and a specialist will reply today.",
        "Sorry you were cut off. DM us and we'll pick it up from here.",
    ],
    "app": [
        "Our team is looking into it. Could you DM us your app version?",
        "Could you try logging out and back in? If it persists, DM us.",
    ],
    "outage": [
        "We're aware of a checkout issue and our engineers are on it.",
        "Checkout is having problems right now; we'll post here when it's fixed.",
    ],
    "question": [
        "You can do that under Account > Subscription > Manage.",
        "Yes! Full instructions are in the Help section under '{product}'.",
        "Good question: DM us your order number and we'll check for you.",
        "It's back in stock on {weekday}; you can set an alert on the product page.",
        "We do, delivery to {place} takes 2-4 working days.",
        "It's on its way with {courier}, due {weekday}.",
    ],
    "praise": [
        "This made our day, thank you!",
        "So glad you're enjoying it!",
        "Thanks for the kind words, enjoy your coffee!",
        "Love to hear it, thanks for sharing!",
    ],
    "again": [
        "Really sorry it's still not right. We've escalated this to our team lead.",
        "Apologies again. We've issued a full refund and a replacement.",
        "We hear you. A manager will call you today.",
        "We've added credit to your account for the trouble and chased it again.",
    ],
}
AGENTS = ["AM", "JT", "RK", "SL", "PB", "NW", "CH", "DV", "MO", "EF"]

#: Customer follow-ups: a choice from each list, so they vary like real ones.
CHASE = [
    ["still no reply about {order}", "hello?? anyone there", "still waiting to hear back",
     "{days} days and no answer", "any update on this", "is anyone reading these",
     "following up on my post from {weekday}", "second time asking", "bumping this",
     "any news on the {product}", "still nothing on {order}"],
    ["", "?", "...", ". please reply", ". really not impressed", "!", " :(", ". DM'd as well"],
]  # fmt: skip
THANKS = [
    ["thanks", "brilliant", "perfect", "cheers", "great", "amazing", "ah lovely", "nice",
     "thank you", "wonderful", "super"],
    [", that's sorted", ", got it now", ", it arrived today", ", the refund came through",
     ", the new part fits", ", all working again", ", the {product} is fine now",
     " for the quick help", ", that worked", ", received", " for sorting {order}",
     ", much appreciated"],
    ["!", "", " 🙌", ". Great service.", ", you're stars", ". Back to good coffee."],
]  # fmt: skip
PUSHBACK = [
    ["that's what you said last week", "DM'd you {days} days ago, nothing since",
     "still not fixed", "the replacement hasn't arrived either", "this isn't good enough",
     "no, the refund still isn't there", "tried that, didn't work",
     "I already sent the photo", "the trace on {order} found nothing",
     "descaled it twice, still broken", "you keep asking me to DM and then nothing"],
    ["", ".", "!", ". Fed up.", ". What now?", ". I want a refund.", ". Escalate it please."],
]  # fmt: skip

HANDLE_HEADS = [
    "coffee", "bean", "morning", "latte", "brew", "roast", "crema", "mocha", "city", "north",
    "quiet", "lucky", "urban", "sunny", "river", "pixel", "maple", "jolly", "happy", "tired",
]  # fmt: skip
HANDLE_TAILS = [
    "fan", "lover", "cat", "dad", "mum", "owl", "fox", "bee", "chef", "runner", "nerd",
    "kid", "dev", "girl", "guy", "addict", "snob", "panda", "wolf", "otter",
]  # fmt: skip

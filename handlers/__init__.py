"""What the bot does, channel-neutral: never imports bot/, Slack or Bot Framework code."""

"""How the bot reaches people: channels, server, scheduler, CLI."""

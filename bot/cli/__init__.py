"""The `cme-bot` command: `main` in main.py, one module per subcommand (chat is the terminal channel)."""

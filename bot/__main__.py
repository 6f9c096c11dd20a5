"""``python -m bot``: see :mod:`bot.assembly.main`."""

from bot.assembly.main import main

if __name__ == "__main__":
    main()

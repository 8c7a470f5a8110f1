import sys

try:
    from .cli import run
except KeyboardInterrupt:  # Ctrl-C while Python loads the program: nothing was started yet
    from .errors import INTERRUPTED_MESSAGE

    print(INTERRUPTED_MESSAGE, file=sys.stderr)
    sys.exit(130)

run()

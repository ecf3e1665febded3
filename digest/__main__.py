"""`python -m digest` runs the command line."""
from .cli import run

run()

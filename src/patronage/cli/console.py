"""Where every command writes what it tells the user (standard error). Lines are not wrapped
by the program: a command it prints (``patronage user password …``) stays one line, so it
copies whole; the terminal wraps what is too long."""

from __future__ import annotations

from rich.console import Console

err = Console(stderr=True, soft_wrap=True)

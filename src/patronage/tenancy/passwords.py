"""What a password must be: long enough, not common or guessable (zxcvbn's estimate, which
knows breached and common passwords, keyboard walks, repeats and dates), and not built from
the member's email or the workspace's name."""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

from patronage.errors import ValidationFailed

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn: 0 too guessable … 4 very unguessable
MAX_LENGTH = 200  # beyond this the estimate itself gets slow; no one types more
_WORD = re.compile(r"[^a-z0-9]")


def check(password: str, *, email: str = "", workspace: str = "") -> None:
    """Refuse a weak password with the reason and what to do instead."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.field("password", f"Use at least {MIN_LENGTH} characters.",
                                     "password_too_short")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.field("password", f"Use at most {MAX_LENGTH} characters.",
                                     "password_too_long")
    local, _, domain = email.lower().partition("@")
    personal = [w for w in (_WORD.sub("", local), _WORD.sub("", workspace.lower()),
                            _WORD.sub("", domain.split(".")[0])) if len(w) >= 3]
    flat = _WORD.sub("", password.lower())
    if any(w in flat for w in personal):
        raise ValidationFailed.field(
            "password", "Do not build the password from your email or the workspace's name.",
            "password_personal")
    estimate = zxcvbn(password, user_inputs=[*personal, email, workspace])
    if estimate["score"] < MIN_SCORE:
        feedback = estimate["feedback"]
        why = feedback.get("warning") or "This password is easy to guess."
        hint = " ".join(feedback.get("suggestions") or
                        ["A few unrelated words make a strong password that is easy to type."])
        raise ValidationFailed.field("password", f"{why.rstrip('.')}. {hint}",
                                     "password_too_weak")

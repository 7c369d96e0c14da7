"""Web users, their signed-in sessions and generated secrets: rows in, rows out."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from monitor.storage.models import AppSecret, WebSession, WebUser


def user_by_name(session: Session, name: str) -> WebUser | None:
    """The user called ``name`` (exact), or None."""
    stmt = select(WebUser).where(col(WebUser.name) == name)
    return session.execute(stmt).scalars().first()


def all_users(session: Session) -> list[WebUser]:
    """Every user, by name."""
    return list(session.execute(select(WebUser).order_by(col(WebUser.name))).scalars())


def insert_user(
    session: Session, name: str, role: str, password_hash: str, now: datetime
) -> WebUser:
    """Add a user (the caller checked the name is free)."""
    user = WebUser(
        name=name, role=role, password_hash=password_hash, created_at=now, updated_at=now
    )
    session.add(user)
    session.flush()
    return user


def delete_user(session: Session, name: str) -> bool:
    """Remove a user and (by cascade) their sessions; False when there was none."""
    user = user_by_name(session, name)
    if user is None:
        return False
    session.execute(delete(WebSession).where(col(WebSession.user_id) == user.id))
    session.delete(user)
    session.flush()
    return True


def set_password_hash(session: Session, user: WebUser, password_hash: str, now: datetime) -> None:
    """Replace a user's hash and end every session they had."""
    user.password_hash, user.updated_at = password_hash, now
    session.add(user)
    session.execute(delete(WebSession).where(col(WebSession.user_id) == user.id))
    session.flush()


def insert_session(
    session: Session, token_hash: str, user_id: int, csrf: str, now: datetime, expires: datetime
) -> None:
    """Store a signed-in session."""
    session.add(
        WebSession(
            token_hash=token_hash,
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()


def session_with_user(session: Session, token_hash: str) -> tuple[WebSession, WebUser] | None:
    """The stored session and its user, or None."""
    stmt = (
        select(WebSession, WebUser)
        .join(WebUser, col(WebUser.id) == col(WebSession.user_id))
        .where(col(WebSession.token_hash) == token_hash)
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row is not None else None


def delete_session(session: Session, token_hash: str) -> None:
    """Forget one session (sign-out)."""
    session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash))


def delete_expired_sessions(session: Session, now: datetime) -> int:
    """Forget sessions past their expiry; how many."""
    result = session.execute(delete(WebSession).where(col(WebSession.expires_at) <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def stored_secret(session: Session, name: str, now: datetime) -> str:
    """The secret called ``name``, generated (32 random bytes) and kept on first use."""
    row = session.get(AppSecret, name)
    if row is None:
        row = AppSecret(name=name, value=secrets.token_urlsafe(32), created_at=now)
        session.add(row)
        session.flush()
    return row.value

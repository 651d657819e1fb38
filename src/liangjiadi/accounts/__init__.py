"""The registry of people (users, roles, sessions) and the access log, shared by the CLI, the
portal and the working-group code. Tables live in the release store's database."""

from .access_log import ACTION_CN, first_reads, flush_access_log, log_access, query_access, record
from .errors import AccountError, LoginRefused
from .model import AccessEntry, User
from .roles import ADMIN_ROLES, GROUP_ROLES, REGION_STAFF, ROLE_CN, role_label
from .service import (
    LOCK_MINUTES, MAX_FAILED_LOGINS, add_user, authenticate, close_session, disable_user, get_user, list_users,
    open_session, parse_role, reset_password, session_user,
)

__all__ = [
    "ACTION_CN", "ADMIN_ROLES", "first_reads", "flush_access_log", "AccessEntry", "AccountError", "GROUP_ROLES", "LOCK_MINUTES", "LoginRefused",
    "MAX_FAILED_LOGINS", "REGION_STAFF", "ROLE_CN", "User", "add_user", "authenticate", "close_session",
    "disable_user", "get_user", "list_users", "log_access", "open_session", "parse_role", "query_access", "record",
    "reset_password", "role_label", "session_user",
]

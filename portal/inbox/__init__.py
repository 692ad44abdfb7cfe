"""The in-app inbox of notifications, with the unread count in the header."""

"""Entrustment agreements (委托执法协议): recorded, filed, announced, terminated and renewed (services.py); the legal
office's pages (views.py, forms.py). The table is in :mod:`portal.orgs.models`."""

"""An enforcement body's standing (执法主体): confirmed, re-confirmed, cancelled and announced, each step a decision
kept in its history (services.py); the legal office's pages (views.py, forms.py). The tables are in
:mod:`portal.orgs.models`."""

"""The organisations registry: the agency tree (``agencies``), an enforcement body's standing (``bodies``) and
entrustment agreements (``entrustment``); the tables of all three (``models``, one web of foreign keys: an agency row
holds its standing) and the signals the registry sends (``signals``)."""

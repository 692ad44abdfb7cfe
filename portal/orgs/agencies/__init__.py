"""The agency tree (materialised path): an agency's place and particulars (services.py), the 统一社会信用代码
(uscc.py), and the admin's pages (views.py, forms.py). The tables are in :mod:`portal.orgs.models`."""

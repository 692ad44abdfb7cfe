"""The compliance views of the legal office (issue 7): one officer's qualification page (资格状态) and the
compliance board (合规看板) of due, overdue, suspended and revoked certificates by agency, with its export."""

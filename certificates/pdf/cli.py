"""``flask certificates pdf NUMBER [--card] -o FILE``: write a certificate's PDF (for printing in bulk or by hand).

A mistyped number is refused by its check character before any lookup; every refusal exits non-zero with one
line in Chinese. Reading only: nothing is written to the database.
"""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from certificates import numbering
from certificates.models import Certificate
from certificates.pdf import render
from portal.errors import DomainError
from portal.extensions import db
from portal.transaction import CommandGroup

certificates_cli = CommandGroup("certificates", help="证件")


@certificates_cli.command("pdf")
@click.argument("number")
@click.option("--card", is_flag=True, help="卡片（85.6 × 54 毫米，正反两面），默认为 A4 证书")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="写入的 PDF 文件")
def pdf(number: str, card: bool, output: Path) -> None:
    """Write the PDF of certificate NUMBER's current edition to FILE and print its path."""
    try:
        number = numbering.parse(number)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if certificate is None:
        raise click.ClickException(f"未找到证号 {number}")
    try:
        data = render.render(certificate, card=card)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    try:
        output.write_bytes(data)
    except OSError as err:
        raise click.ClickException(f"无法写入 {output}：{err.strerror or err}") from None
    click.echo(str(output))

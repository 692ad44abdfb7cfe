"""``flask --app wsgi …`` commands. Each is one unit of work (:func:`portal.transaction.command`): committed when it
returns; a refusal rolls back, is printed in Chinese and exits non-zero."""
from __future__ import annotations

import contextlib
import sys

import click
import sqlalchemy as sa
from flask import Flask

from portal import audit, clock, transaction
from portal.extensions import db
from portal.transaction import CommandGroup

users_cli = CommandGroup("users", help="工作人员账户")
audit_cli = CommandGroup("audit", help="审计日志")
demo_cli = CommandGroup("demo", help="演示数据")
tokens_cli = CommandGroup("tokens", help="接口令牌")
import_cli = CommandGroup("import", help="批量导入（与上传页面使用同一引擎）")
keys_cli = CommandGroup("keys", help="二维码签名密钥（Ed25519，存放于 SIGNING_KEY_DIR）")


def find_agency(ref: str):
    """An agency by id, full name, short name or 统一社会信用代码."""
    from portal.orgs.models import Agency

    ref = ref.strip()
    conditions = [Agency.name == ref, Agency.short_name == ref, Agency.uscc == ref.upper()]
    if ref.isascii() and ref.isdigit() and len(ref) <= 9:  # an id; 18 digits are a 统一社会信用代码
        conditions.append(Agency.id == int(ref))
    found = db.session.scalars(sa.select(Agency).where(sa.or_(*conditions))).all()
    if len(found) != 1:
        raise click.ClickException(f"找不到唯一的单位“{ref}”" if not found else f"“{ref}”对应多个单位，请用全称或代码")
    return found[0]


@users_cli.command("create")
@click.option("--username", required=True, help="用户名")
@click.option("--role", required=True, type=click.Choice(["hr", "legal", "admin"]), help="角色")
@click.option("--scope", "scopes", multiple=True, help="管辖单位（名称、简称、代码或编号；可重复，或用逗号分隔）")
@click.option("--name", "display_name", default=None, help="显示名，默认同用户名")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（不强制首次修改）")
def create_user(username, role, scopes, display_name, password_stdin):
    """Create a staff account; prints a one-time password unless one is given on stdin."""
    from portal.auth import services

    refs = [part for value in scopes for part in value.replace("，", ",").split(",") if part.strip()]
    agencies = [find_agency(ref) for ref in refs]
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    user, one_time = services.create_staff_user(
        audit.Actor.system("cli"), username=username, display_name=display_name or username, role=role,
        scope_ids=[a.id for a in agencies], now=clock.now(), password=password)
    scope_text = "、".join(a.short_name for a in agencies) or "全部"
    click.echo(f"已创建账户 {user.username}（{user.role_label}，范围：{scope_text}）")
    if one_time:
        click.echo(f"一次性密码（首次登录须修改）：{one_time}")


@audit_cli.command("verify")
def verify_audit():
    """Check the hash chain; names the first broken entry and exits 1 if there is one."""
    result = audit.verify()
    if result.ok:
        click.echo(f"OK: {result.checked} entries, chain intact")
        return
    click.echo(f"BROKEN at entry {result.broken_id}: {result.reason}", err=True)
    sys.exit(1)


@click.command("bench-data")
@click.option("--officers", type=click.IntRange(1, 500_000), default=100_000, show_default=True,
              help="添加的执法人员数")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=2016, show_default=True)
@transaction.command
def bench_data(officers, seed):
    """Add N officers with training, certificates and history to the demo (scale data for make bench)."""
    import time

    from portal.demo import scale
    from portal.jobs.scheduled import analyze

    started = time.perf_counter()

    def progress(step, done, total):
        click.echo(f"{step}: {done}/{total}（{time.perf_counter() - started:.1f} 秒）", err=True)

    counts = scale.generate(officers, now=clock.now(), seed=seed, progress=progress)
    analyze()  # the planner's statistics for the tables just filled
    click.echo(f"已添加执法人员 {counts['officers']} 名、培训记录 {counts['training_records']} 条、证件 "
               f"{counts['certificates']} 本（{time.perf_counter() - started:.1f} 秒）。")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="只在数据库中还没有任何单位时加载")
def load_demo(if_empty):
    """Load the Weihai demo (idempotent) and print the demo accounts."""
    from portal import demo
    from portal.orgs.models import Agency

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Agency)):
        click.echo("数据库已有数据，跳过演示数据。")
        return
    summary = demo.load(clock.now())
    click.echo(summary)


@tokens_cli.command("create")
@click.option("--user", "username", required=True, help="工作人员用户名")
@click.option("--name", default="命令行签发", help="用途说明")
def create_token(username, name):
    """Issue an API token for a staff account; the token is the last word printed."""
    from portal.auth import services

    user = services.find_account(username)
    if user is None:
        raise click.ClickException(f"找不到用户“{username}”")
    token, raw = services.create_token(audit.Actor.system("cli"), user, name, clock.now())
    click.echo(f"已为 {user.username}（{user.role_label}）签发令牌 {token.prefix}…，只显示这一次：")
    click.echo(raw)


@keys_cli.command("rotate")
def rotate_key():
    """Add a new current signing key (older keys keep verifying); prints the new key id."""
    from certificates import keys

    info = keys.rotate(clock.now())
    audit.record(audit.Actor.system("cli:keys"), "signing_key.rotate", change={"kid": info.kid},
                 object_type="signing_key", object_id=info.kid)
    click.echo("已启用新的签名密钥（此后签发的二维码用它签名，旧密钥仍可核验）：", err=True)
    click.echo(info.kid)


@keys_cli.command("list")
def list_keys():
    """Every signing key: id, created, status (never key material)."""
    from certificates import keys

    found = keys.list_keys()
    if not found:
        click.echo("还没有签名密钥（首次签发二维码时自动生成，或运行 keys rotate）。")
        return
    width = max(len(info.kid) for info in found)
    click.echo(f"密钥编号{' ' * (width - 8)}  创建时间{' ' * 8}  状态")  # CJK characters are two columns wide
    for info in found:
        status = info.status_label
        if info.retired_at:
            status += f"（{info.retired_at:%Y-%m-%d %H:%M}）"
        click.echo(f"{info.kid:<{width}}  {info.created_at:%Y-%m-%d %H:%M}  {status}")


@keys_cli.command("retire")
@click.argument("kid")
def retire_key(kid):
    """Retire a compromised key: it leaves the JWKS and QR codes it signed verify as 密钥已停用."""
    from certificates import keys

    actor = audit.Actor.system("cli:keys")
    done = keys.retire(kid, clock.now())
    audit.record(actor, "signing_key.retire", change={"kid": done.kid}, object_type="signing_key",
                 object_id=done.kid)
    if done.created:
        audit.record(actor, "signing_key.rotate", change={"kid": done.current}, object_type="signing_key",
                     object_id=done.current)
    click.echo(f"已停用签名密钥 {done.kid}；当前签名密钥：{done.current}" + ("（新生成）" if done.created else ""))


def _import_command(kind_name: str):
    @import_cli.command(kind_name)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="只校验，不保存")
    def command(file, dry_run):
        from pathlib import Path

        from portal.imports import engine

        kind = engine.KINDS[kind_name]
        path = Path(file)
        context = engine.Context(actor=audit.Actor.system("cli:import"), user=None, now=clock.now(),
                                 filename=path.name)
        result = engine.run(kind, path.name, path.read_bytes(), context, dry_run=dry_run)  # a dry run stores nothing
        if dry_run:
            click.echo(f"校验通过：{result['rows']} 行（未保存）")
            return
        click.echo(f"导入完成：{result['rows']} 行，新增 {result['created']}，更新 {result['updated']}，"
                   f"未变 {result['unchanged']}")

    command.__doc__ = f"Import {kind_name} from an XLSX or CSV file (all or nothing)."
    return command


@click.command("sweep")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD", help="按指定日期巡检（默认今天）")
@click.option("--dry-run", is_flag=True, help="只列出将要进行的变更，不写入")
@transaction.command
def sweep_command(today_text, dry_run):
    """The daily sweep: overdue holds, missed revocations, update-test enrolment, reminders (prints each change)."""
    import datetime as dt

    from certificates import sweep

    try:
        today = dt.date.fromisoformat(today_text) if today_text else clock.today()
    except ValueError:
        raise click.ClickException(f"日期“{today_text}”无效，请按 YYYY-MM-DD 填写") from None
    if today > clock.today() and not dry_run:
        raise click.ClickException(f"不能按未来日期（{today.isoformat()}）实际巡检；可加 --dry-run 预览")
    with transaction.trial() if dry_run else contextlib.nullcontext():
        report = sweep.run(today, actor=audit.Actor.system("cli:sweep"))
    for line in report.lines:
        click.echo(("（试运行）" if dry_run else "") + line)
    click.echo("试运行：" + report.summary() + "（未写入）" if dry_run else report.summary())


@click.command("scheduler")
@click.option("--run-for", type=float, default=None, help="运行指定秒数后退出（测试与运维检查用）")
def scheduler_command(run_for):
    """Run background and scheduled jobs (one scheduler at a time; a second one waits)."""
    from flask import current_app

    from portal import scheduler

    scheduler.run(current_app._get_current_object(), run_for=run_for, say=lambda m: click.echo(m, err=True))


def init_app(app: Flask) -> None:
    """Register the command groups."""
    from certificates.pdf.cli import certificates_cli
    from portal.imports import engine

    for name in engine.KINDS:
        if name not in import_cli.commands:
            _import_command(name)
    for group in (users_cli, audit_cli, demo_cli, tokens_cli, import_cli, keys_cli):
        app.cli.add_command(group)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(sweep_command)
    app.cli.add_command(bench_data)

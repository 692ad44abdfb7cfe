"""Indicator templates and quarterly scores. Scores are stored in tenths (0–1000) so totals are exact."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db
from portal.orgs.models import Agency

GROUPS = {"general": "通用指标", "specialised": "专项指标", "external": "外部评价"}


class IndicatorTemplate(db.Model):
    """A set of indicators in three groups, set by the legal office of a jurisdiction (``agency``: the node whose
    subtree it applies to). An agency's new quarters use the newest active template of its nearest jurisdiction."""

    __tablename__ = "indicator_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="template", lazy="selectin", order_by="(Indicator.group_order, Indicator.position)",
        cascade="all, delete-orphan")
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (sa.UniqueConstraint("agency_id", "name", name="uq_indicator_template_agency_name"),)


class Indicator(db.Model):
    """One indicator: its group and its weight (the weights of a group add up to the group's weight)."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator_template.id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column("indicator_group", sa.String(12))
    group_order: Mapped[int] = mapped_column(sa.Integer)
    position: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(60))
    weight: Mapped[int] = mapped_column(sa.Integer)

    template: Mapped[IndicatorTemplate] = relationship(back_populates="indicators")

    __table_args__ = (
        sa.CheckConstraint("indicator_group IN ('general','specialised','external')", name="group"),
        sa.CheckConstraint("weight > 0 AND weight <= 100", name="weight"),
    )

    @property
    def group_label(self) -> str:
        return GROUPS.get(self.group, self.group)


class AssessmentScore(db.Model):
    """One officer's score on one indicator in one quarter."""

    __tablename__ = "assessment_score"

    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    quarter: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), primary_key=True)
    tenths: Mapped[int] = mapped_column(sa.Integer)
    entered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    __table_args__ = (
        sa.CheckConstraint("tenths BETWEEN 0 AND 1000", name="range"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter"),
        sa.Index("ix_assessment_score_period", "year", "quarter"),
    )

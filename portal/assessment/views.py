"""Routine assessment pages: indicator templates, the quarterly score grid, histories, agency summary."""
from flask import Blueprint

bp = Blueprint("assessment", __name__, template_folder="templates")

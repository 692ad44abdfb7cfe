"""Training pages: records, classes, courses, the shortfall list, officers' progress."""
from flask import Blueprint

bp = Blueprint("training", __name__, template_folder="templates")

"""The review pages. PLACEHOLDER blueprint until the review pages land."""

from flask import Blueprint

bp = Blueprint("review", __name__)

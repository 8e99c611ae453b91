"""Publishing system of the Yokohama City Citizen Collaboration Promotion Center.

One source (Markdown/YAML committed by editors), every channel. The whole flow is
in :mod:`site_builder.pipeline`.
"""

__version__ = "0.1.0"

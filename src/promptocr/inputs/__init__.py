"""Input decoding: images and PDFs to page images, with safety limits."""

from promptocr.inputs.loader import InputLimits, PageImage, load_pages, parse_page_range

__all__ = ["InputLimits", "PageImage", "load_pages", "parse_page_range"]

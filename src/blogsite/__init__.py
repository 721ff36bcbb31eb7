"""blogsite: a static site generator for Chinese technical study blogs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("blogsite")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

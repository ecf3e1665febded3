"""Compiled templates kept between builds: Jinja2's bytecode cache, in the build cache.

Compiling the site's templates is about 65 ms of every build that makes a page; read back, 2 ms. Jinja2
names an entry after the template's name and file and checks the source's checksum when it loads it, so an
edited template is compiled again. What else shapes the compiled code (the environment's options, the
Jinja2 and Python versions) is this package's code, and the site's language, whose interface strings are
compiled into the templates (render/templating.py): the entries live in a folder named after the two, and
folders of other code or another language are removed. The page keys' memo of the templates' tokens
(token_memo) lives there too.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import jinja2

from ..editorial.config import Config
from ..render.templating import environment


TOKEN_MEMO = "tokens.json"


class _Bytecode(jinja2.FileSystemBytecodeCache):
    """Jinja2's file cache, for which a folder that cannot be read or written only costs time."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            pass

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def compiled_environment(config: Config, folder: Path, code: str) -> jinja2.Environment:
    """The site's template environment (render.templating.environment), its compiled templates kept in
    `folder` for the package code whose fingerprint is `code` and the site's language."""
    env = environment(config)
    here = folder / hashlib.sha256(f"{code}\0{config.site.language}".encode()).hexdigest()[:16]
    try:
        others = [entry for entry in os.scandir(folder) if entry.name != here.name]
    except OSError:
        others = []
    for other in others:
        if other.is_dir(follow_symlinks=False):
            shutil.rmtree(other.path, ignore_errors=True)
        else:
            try:
                os.unlink(other.path)
            except OSError:
                pass
    env.bytecode_cache = _Bytecode(str(here))
    return env


def token_memo(env: jinja2.Environment) -> Path | None:
    """Where page keys keep what lexing and parsing the templates gave (keys.template_keys): beside the
    compiled templates of a compiled_environment(), for the same code and language; None for another one."""
    cache = env.bytecode_cache
    return Path(cache.directory) / TOKEN_MEMO if isinstance(cache, _Bytecode) else None

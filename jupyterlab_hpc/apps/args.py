"""The launch dialog's text, read as a shell would read it, with nothing ever run.

Arguments are split into words with single quotes, double quotes and backslashes as in a POSIX
shell; `$NAME`, `${NAME}`, `${NAME:-default}`, `~` and `~/` are expanded from the server's
environment (plus the variables entered in the dialog). Everything that would make a shell *do*
something (command substitution, pipes, redirections, command lists, globbing, brace expansion,
comments) is refused with a message that names the text and its position: the user learns at
once, instead of from an app that fails later.

Differences from bash, on purpose:
* an expansion is never split into several words nor globbed (as in zsh): a value with spaces
  stays one argument, and nothing in the environment can add arguments;
* relative paths are left as typed: the app runs in the server's root (the folder the file
  browser shows), so `logs` means `<root>/logs`, as the user sees it;
* `~user` is refused: only the server user's own home is known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Long enough for any real command line typed in a dialog; short enough that a hostile request
# costs nothing.
MAX_TEXT_CHARS = 8 * 1024
MAX_WORDS = 256
# What expansions may grow the text to (a variable may hold a long value, e.g. a PATH).
MAX_EXPANDED_CHARS = 128 * 1024
MAX_ENV_ROWS = 64
MAX_ENV_NAME_CHARS = 128
MAX_ENV_VALUE_CHARS = 8 * 1024

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_NAME_START = re.compile(r"[A-Za-z_]", re.ASCII)

# Variables the dialog may not set, and why. They change how programs are loaded or how a
# shell or Python started *by the app* behaves, which no launch option needs. LD_LIBRARY_PATH
# and PATH stay allowed: loading an HPC module sets them, and users do the same in a terminal.
DENIED_ENV: dict[str, str] = {
    **dict.fromkeys(
        (
            "LD_PRELOAD",
            "LD_AUDIT",
            "LD_DEBUG",
            "LD_DEBUG_OUTPUT",
            "LD_PROFILE",
            "LD_PROFILE_OUTPUT",
        ),
        "it changes how the dynamic loader loads every program the app starts",
    ),
    **dict.fromkeys(
        ("BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "IFS", "PS4", "PROMPT_COMMAND"),
        "it makes shells started by the app run or parse things differently",
    ),
    **dict.fromkeys(
        ("PYTHONSTARTUP", "PYTHONINSPECT"),
        "it makes Python started by the app run extra code or wait for input",
    ),
}

_OPERATORS = ";|&<>()"
_GLOBS = "*?["
_SPECIAL_PARAMETERS = "0123456789@*#?$!-"
# Characters that a double-quoted backslash escapes (POSIX); before others it stays.
_DQUOTE_ESCAPES = '$`"\\'
_BLANKS = " \t"


class ArgumentError(ValueError):
    """User text that cannot be taken as arguments; the message says what and where."""

    def __init__(self, message: str, position: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        # 0-based index into the text the user typed, None when the whole text is at fault.
        self.position = position
        # The message without where it happened.
        self.reason = reason or message


def parse_arguments(text: str, *, env: Mapping[str, str], home: str, cwd: str) -> list[str]:
    """Split `text` into argv words as a shell would, expanding `$VAR`, `${VAR}` and `~`."""
    _check_text(text, "The arguments", MAX_TEXT_CHARS)
    return _Scanner(text, env=env, home=home, cwd=cwd, assignment=False).words()


def expand_value(
    text: str, *, env: Mapping[str, str], home: str, cwd: str, what: str = "The value"
) -> str:
    """Expand one value as the right side of `NAME=value` in a shell (spaces need no quotes).

    Quotes and backslashes are removed, `$VAR`, `${VAR}` and `~` (at the start and after a `:`,
    as in PATH-like lists) expanded; `$(`, backticks, NUL and line breaks are refused.
    """
    _check_text(text, what, MAX_ENV_VALUE_CHARS)
    words = _Scanner(text, env=env, home=home, cwd=cwd, assignment=True, what=what).words()
    return words[0] if words else ""


def validate_env(rows: object, *, env: Mapping[str, str], home: str, cwd: str) -> dict[str, str]:
    """Check the dialog's `{NAME: value}` rows; answer them with their values expanded.

    A value sees the server's environment and the rows before it, as consecutive `export`s
    would.
    """
    if not isinstance(rows, Mapping):
        raise ArgumentError('Environment variables must be an object {"NAME": "value"}.')
    if len(rows) > MAX_ENV_ROWS:
        raise ArgumentError(
            f"Too many environment variables: {len(rows)}, the most is {MAX_ENV_ROWS}."
        )
    seen: dict[str, str] = dict(env)
    result: dict[str, str] = {}
    for name, value in rows.items():
        check_env_name(name)
        if not isinstance(value, str):
            raise ArgumentError(f"The value of {name} must be text, not {type(value).__name__}.")
        expanded = expand_value(value, env=seen, home=home, cwd=cwd, what=f"The value of {name}")
        seen[name] = result[name] = expanded
    return result


def check_env_name(name: object) -> str:
    """`name` if it may be set from the dialog; ArgumentError saying why not otherwise."""
    if not isinstance(name, str) or not name:
        raise ArgumentError("An environment variable needs a name.")
    if len(name) > MAX_ENV_NAME_CHARS:
        raise ArgumentError(
            f"The environment variable name {_snippet(name)} is longer than "
            f"{MAX_ENV_NAME_CHARS} characters."
        )
    if not ENV_NAME.fullmatch(name):
        raise ArgumentError(
            f"{_snippet(name)} is not a valid environment variable name: use letters, digits "
            "and _, not starting with a digit."
        )
    if name in DENIED_ENV:
        raise ArgumentError(f"{name} cannot be set here: {DENIED_ENV[name]}.")
    return name


def _check_text(text: object, what: str, limit: int) -> None:
    """Refuse non-text, over-long text, and characters no argument can carry."""
    if not isinstance(text, str):
        raise ArgumentError(f"{what} must be text, not {type(text).__name__}.")
    if len(text) > limit:
        raise ArgumentError(f"{what} cannot be longer than {limit} characters ({len(text)} given).")
    for index, char in enumerate(text):
        if char in "\n\r":
            raise ArgumentError(
                f"{what} cannot hold a line break (character {index + 1}): "
                "it would end a shell command.",
                index,
            )
        if char == "\0":
            raise ArgumentError(
                f"{what} cannot hold a NUL character (character {index + 1}): "
                "no argument can carry one.",
                index,
            )
        if "\ud800" <= char <= "\udfff":
            raise ArgumentError(
                f"{what} cannot hold a lone surrogate (\\u{ord(char):04x}, character "
                f"{index + 1}): it is not a character, and no argument can carry it.",
                index,
            )
        if (ord(char) < 32 and char != "\t") or ord(char) == 127:
            raise ArgumentError(
                f"{what} cannot hold the control character U+{ord(char):04X} "
                f"(character {index + 1}).",
                index,
            )


def _snippet(text: str, limit: int = 24) -> str:
    """A short quotation of the offending text."""
    shown = text if len(text) <= limit else text[:limit] + "…"
    return f"'{shown}'"


class _Scanner:
    """One pass over the text: words in argument mode, one value in assignment mode."""

    def __init__(
        self,
        text: str,
        *,
        env: Mapping[str, str],
        home: str,
        cwd: str,
        assignment: bool,
        what: str = "",
    ) -> None:
        self.text = text
        self.env = env
        self.home = home
        self.cwd = cwd
        # Assignment mode: one word, blanks literal, no globbing or operators to fear.
        self.assignment = assignment
        self.prefix = f"{what}: " if what else ""
        self.result: list[str] = []
        self.expanded = 0
        self._reset()

    def _reset(self) -> None:
        self.buf: list[str] = []
        self.started = False
        # A word made only of unquoted expansions that are empty disappears, as in a shell.
        self.keep = False

    def fail(self, message: str, position: int) -> ArgumentError:
        """The error for the text at `position`, quoted."""
        message = message[:1].upper() + message[1:]
        return ArgumentError(
            f"{self.prefix}{message} (at character {position + 1}: "
            f"{_snippet(self.text[position:])})",
            position,
            message,
        )

    def words(self) -> list[str]:
        """Scan the whole text."""
        text, i = self.text, 0
        while i < len(text):
            char = text[i]
            if char in _BLANKS and not self.assignment:
                self._end_word(i)
                i += 1
            elif char == "~" and self._tilde_allowed():
                i = self._tilde(i)
            elif char == "\\":
                if i + 1 < len(text):
                    self._literal(text[i + 1])
                    i += 2
                else:
                    # bash keeps a backslash that ends the line
                    self._literal("\\")
                    i += 1
            elif char == "'":
                i = self._single_quoted(i)
            elif char == '"':
                i = self._double_quoted(i)
            elif char == "$":
                i = self._dollar(i, quoted=False)
            elif char == "`":
                raise self._backtick(i)
            else:
                if not self.assignment:
                    self._check_unquoted(char, i)
                self._literal(char)
                i += 1
        self._end_word(len(text))
        return self.result

    def _literal(self, chars: str, keep: bool = True) -> None:
        self.buf.append(chars)
        self.started = True
        self.keep = self.keep or keep

    def _end_word(self, position: int) -> None:
        if self.started and (self.keep or (self.buf and "".join(self.buf))):
            if len(self.result) >= MAX_WORDS:
                raise ArgumentError(
                    f"{self.prefix}Too many arguments: the most is {MAX_WORDS}.", position
                )
            self.result.append("".join(self.buf))
        self._reset()

    def _check_unquoted(self, char: str, i: int) -> None:
        if char in _OPERATORS:
            raise self.fail(
                f"'{char}' is a shell operator, and nothing here runs a shell: "
                "quote it to pass it as text",
                i,
            )
        if char in _GLOBS:
            raise self.fail(
                f"'{char}' would be a file-name pattern in a shell; no globbing: quote it", i
            )
        if char == "{":
            raise self.fail("no brace expansion: quote '{' to pass it as text", i)
        if char == "#" and not self.started:
            raise self.fail("a word starting with '#' is a comment in a shell: quote it", i)

    def _tilde_allowed(self) -> bool:
        """`~` expands at the start of a word, and after `:` in a value (PATH-like lists)."""
        if not self.started:
            return True
        return self.assignment and bool(self.buf) and self.buf[-1].endswith(":")

    def _tilde(self, i: int) -> int:
        text = self.text
        ends = _BLANKS + "/" + (":" if self.assignment else "")
        after = text[i + 1] if i + 1 < len(text) else ""
        if after == "" or after in ends:
            self._literal(self.home)
            return i + 1
        if after == "+" and (i + 2 >= len(text) or text[i + 2] in ends):
            # ~+ is the shell's $PWD: the server's root, where the app runs
            self._literal(self.cwd)
            return i + 2
        raise self.fail(
            "only ~ (your home) is expanded, not ~user or ~-; quote it to pass it as text", i
        )

    def _single_quoted(self, i: int) -> int:
        end = self.text.find("'", i + 1)
        if end < 0:
            raise self.fail("this single quote is never closed", i)
        self._literal(self.text[i + 1 : end])
        return end + 1

    def _double_quoted(self, i: int) -> int:
        text, j = self.text, i + 1
        self._literal("")
        while j < len(text):
            char = text[j]
            if char == '"':
                return j + 1
            if char == "\\" and j + 1 < len(text) and text[j + 1] in _DQUOTE_ESCAPES:
                self._literal(text[j + 1])
                j += 2
            elif char == "$":
                j = self._dollar(j, quoted=True)
            elif char == "`":
                raise self._backtick(j)
            else:
                self._literal(char)
                j += 1
        raise self.fail("this double quote is never closed", i)

    def _backtick(self, i: int) -> ArgumentError:
        return self.fail(
            "backticks are command substitution, which is never run here; "
            "use single quotes to pass a ` as text",
            i,
        )

    def _dollar(self, i: int, *, quoted: bool) -> int:
        """Expand `$NAME`, `${NAME}` or `${NAME:-default}` at i; answer where scanning goes on."""
        text = self.text
        after = text[i + 1] if i + 1 < len(text) else ""
        if after == "(":
            raise self.fail(
                "$( ) is command substitution, which is never run here; "
                "use single quotes to pass it as text",
                i,
            )
        if after == "[":
            raise self.fail("$[ ] is shell arithmetic, which is not supported", i)
        if after == "{":
            return self._braced(i, quoted=quoted)
        if after and _NAME_START.match(after):
            name = ENV_NAME.match(text, i + 1)
            assert name is not None
            self._expansion(self.env.get(name.group(), ""), quoted=quoted, position=i)
            return name.end()
        if after and after in _SPECIAL_PARAMETERS:
            raise self.fail(
                f"${after} is a shell special parameter; only $NAME and ${{NAME}} are expanded",
                i,
            )
        if after in ("'", '"') and not quoted:
            raise self.fail(f"${after}…{after} quoting is not supported; use plain quotes", i)
        # A $ before anything else stays a $, as in a shell.
        self._literal("$")
        return i + 1

    def _braced(self, i: int, *, quoted: bool) -> int:
        text = self.text
        end = text.find("}", i + 2)
        if end < 0:
            raise self.fail("this ${ is never closed", i)
        inside = text[i + 2 : end]
        name = ENV_NAME.match(inside)
        if name is None:
            raise self.fail("${…} must hold a variable name", i)
        rest = inside[name.end() :]
        value = self.env.get(name.group(), "")
        if rest.startswith(":-"):
            default = rest[2:]
            if any(char in default for char in "'\"\\`{"):
                raise self.fail(
                    "the default in ${NAME:-default} may not hold quotes, backslashes, "
                    "backticks or braces",
                    i,
                )
            if not value:
                # The default is expanded too ($HOME, ~), as a shell does.
                nested = _Scanner(
                    default, env=self.env, home=self.home, cwd=self.cwd, assignment=True
                )
                try:
                    value = "".join(nested.words())
                except ArgumentError as error:
                    start = i + 2 + name.end() + 2
                    raise self.fail(error.reason, start + (error.position or 0)) from None
        elif rest:
            raise self.fail(
                f"${{{name.group()}{rest}}} is not supported: only ${{NAME}} and "
                "${NAME:-default} are expanded",
                i,
            )
        self._expansion(value, quoted=quoted, position=i)
        return end + 1

    def _expansion(self, value: str, *, quoted: bool, position: int) -> None:
        self.expanded += len(value)
        if self.expanded > MAX_EXPANDED_CHARS:
            raise self.fail(
                f"the expanded arguments exceed {MAX_EXPANDED_CHARS} characters", position
            )
        self._literal(value, keep=quoted)

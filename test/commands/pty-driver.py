"""Runs a command in a pseudo-terminal and lets a test drive it: the test for `chain init`.

Usage: python3 pty-driver.py COMMAND [ARGS...]

Reads requests from stdin, one JSON object per line, and answers each with one JSON line:
  {"op": "expect", "pattern": REGEX, "timeout": S}  wait until REGEX matches the output after
      the previous match; answers {"ok": true, "groups": [...]} or {"ok": false, "output": ...}
  {"op": "send", "text": TEXT}                      type TEXT into the terminal
  {"op": "wait", "timeout": S}                      wait for the exit; {"ok": true, "status": N}
Every answer also carries "output", all the terminal showed so far. Every wait is bounded,
and the child is killed when the driver exits for any reason.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])

fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
output = ""
cursor = 0
status = None


def read_some(timeout):
    """Appends what the child wrote within `timeout` seconds; True if anything came."""
    global output
    ready, _, _ = select.select([master], [], [], max(timeout, 0))
    if not ready:
        return False
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: the child has closed the terminal
        return False
    output += data.decode("utf-8", errors="replace")
    return bool(data)


def check_exit():
    global status
    if status is None:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(code)


def drain():
    while read_some(0.05):
        pass


def answer(message):
    message["output"] = output
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


try:
    for line in sys.stdin:
        request = json.loads(line)
        deadline = time.monotonic() + float(request.get("timeout", 30))
        if request["op"] == "send":
            os.write(master, request["text"].encode("utf-8"))
            answer({"ok": True})
        elif request["op"] == "expect":
            pattern = re.compile(request["pattern"])
            while True:
                match = pattern.search(output, cursor)
                if match:
                    cursor = match.end()
                    answer({"ok": True, "groups": list(match.groups())})
                    break
                if not read_some(min(deadline - time.monotonic(), 0.1)):
                    check_exit()
                    if status is not None:
                        drain()
                        if not pattern.search(output, cursor):
                            answer({"ok": False, "error": "exited before " + request["pattern"], "status": status})
                            break
                    elif time.monotonic() >= deadline:
                        answer({"ok": False, "error": "timed out waiting for " + request["pattern"]})
                        break
        elif request["op"] == "wait":
            while status is None and time.monotonic() < deadline:
                read_some(0.1)
                check_exit()
            drain()
            answer({"ok": status is not None, "status": status})
finally:
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

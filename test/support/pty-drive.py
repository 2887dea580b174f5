"""Drive a program through a pseudo-terminal, as a person at a keyboard: wait for text, type keys.

    python3 pty-drive.py '<json: {"argv": [...], "env": {...}, "cwd": "...", "steps": [{"wait": "regex"} | {"send": "keys"}]}>'

Prints one JSON object: {"transcript": everything the program wrote, "exit": its exit code, "error": a step that timed out}.
Used by test/console-pty.test.ts (node has no pty of its own)."""
import json, os, pty, re, select, sys, time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.chdir(spec["cwd"])
    os.execve(spec["argv"][0], spec["argv"], spec["env"])

out = b""
error = None


def read(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return False
    try:
        data = os.read(fd, 65536)
    except OSError:
        return None
    if not data:
        return None
    out += data
    return True


mark = 0  # a wait looks only at what came after the previous wait's match
for step in spec["steps"]:
    if "send" in step:
        os.write(fd, step["send"].encode())
        time.sleep(step.get("pause", 0.15))
        continue
    pattern = re.compile(step["wait"].encode())
    until = time.time() + step.get("timeout", 20)
    while True:
        m = pattern.search(out, mark)
        if m:
            mark = m.end()
            break
        if time.time() > until or read(0.1) is None:
            error = f"no {step['wait']!r} within {step.get('timeout', 20)}s"
            break
    if error:
        break

# drain until it exits (or give up)
until = time.time() + 10
while time.time() < until and read(0.1) is not None:
    pass
try:
    until = time.time() + 15
    done, status = os.waitpid(pid, os.WNOHANG)
    while done == 0 and time.time() < until:
        time.sleep(0.1)
        done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:  # still running: the test failed to make it quit
        os.kill(pid, 15)
        _, status = os.waitpid(pid, 0)
        code = -1
    else:
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
except ChildProcessError:
    code = -1
print(json.dumps({"transcript": out.decode("utf-8", "replace"), "exit": code, "error": error}))

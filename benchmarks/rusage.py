"""`python rusage.py OUT CMD...`: run CMD, then write its wall time and rusage to OUT as JSON.

run.py starts every measured command through this small process. Linux records a process's
peak RSS at exec from the memory it had before (for a vfork()ed child, as Python's subprocess
makes, that is the parent's), so a command started straight from run.py, which holds tens or
hundreds of MB of corpus and dumps, would report run.py's own peak as its own.
"""

import json
import os
import subprocess
import sys
import time


def main() -> int:
    out, cmd = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "maxrss_kib": usage.ru_maxrss,
            },
            fh,
        )
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())

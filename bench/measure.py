"""Runs a command and prints its wall-clock seconds and the peak RSS of it and its children, as JSON.

getrusage(RUSAGE_CHILDREN) is the one portable way to get a finished child's peak memory; Node has none.
"""
import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({
    "code": done.returncode,
    "wall": wall,
    "peakMb": peak_kb / 1024,
    "stdout": done.stdout[-4000:],
    "stderr": done.stderr[-4000:],
}))

"""`make bench`: our speed measured side by side with the 2400-baud wire floor and with
mpp-solar, on the same simulated port, in one run. See docs/bench.md.

`python -m bench [--quick]` runs every row (bench/harness.py); the modules hold one measurement
each and several still run on their own (`python -m bench.service_rate`, ...).
"""

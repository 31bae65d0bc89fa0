#!/usr/bin/env python3
"""Generate a pyhf workspace with very many small channels, to check that loading, validating and
inspecting stay linear in the number of channels (issue 9: 10^6 channels). Not a test fixture.

Each channel has one bin, a signal sample with the shared normfactor `mu` and a background sample
with the shared lumi; with --own-modifiers the background also has a staterror and a normsys of its
own (two parameter sets per channel).
Usage: python3 tools/make_many_channels.py OUT.json [--channels 1000000] [--own-modifiers]
"""
import argparse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--channels", type=int, default=1_000_000)
    ap.add_argument("--own-modifiers", action="store_true")
    a = ap.parse_args()
    with open(a.out, "w") as f:
        f.write('{"channels": [')
        for c in range(a.channels):
            if c:
                f.write(", ")
            own = (
                f'{{"name": "staterror_ch{c}", "type": "staterror", "data": [{1 + c % 3}.0]}}, '
                f'{{"name": "norm_ch{c}", "type": "normsys", "data": {{"hi": 1.1, "lo": 0.9}}}}, '
                if a.own_modifiers
                else ""
            )
            f.write(
                f'{{"name": "ch{c}", "samples": ['
                f'{{"name": "signal", "data": [{1 + c % 7}.0], "modifiers": [{{"name": "mu", "type": "normfactor", "data": null}}]}}, '
                f'{{"name": "background", "data": [{50 + c % 11}.0], "modifiers": [{own}'
                f'{{"name": "lumi", "type": "lumi", "data": null}}]}}]}}'
            )
        f.write('], "observations": [')
        for c in range(a.channels):
            if c:
                f.write(", ")
            f.write(f'{{"name": "ch{c}", "data": [{52 + c % 13}.0]}}')
        f.write(
            '], "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": '
            '[{"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.9, 1.1]], "inits": [1.0]}]}}], '
            '"version": "1.0.0"}\n'
        )


if __name__ == "__main__":
    main()

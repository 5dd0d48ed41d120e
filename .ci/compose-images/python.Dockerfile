# Stand-in for python:3.12-slim-trixie (Docker Hub is out of reach in CI): Debian trixie's Python, on
# PATH as `python`, with pip installing into the system as the official image's pip does.
FROM jiceng-ci/trixie
ENV PIP_BREAK_SYSTEM_PACKAGES=1 \
    LANG=C.UTF-8
CMD ["python3"]

# The image student code runs in (docker sandbox backend): Python 3.11 in a venv with numpy,
# scipy, scikit-learn, pandas and torch (CPU), plus the grader's worker, run as a non-root user.
#
# Built offline: every package comes from the wheel folder .cache/wheels in the build context
# (scripts/docker-setup.sh fills it with `pip download`; `course image build --wheels DIR`
# takes another folder).  Build with `course image build` (grader/image.py) or
#   docker build --build-arg BASE_IMAGE=course-kit-base:bookworm -t course-kit-sandbox:latest .
# The base image needs python3.11 with the venv module (python:3.11-slim, or a Debian
# bookworm with python3 + python3-venv).
ARG BASE_IMAGE=python:3.11-slim

# ---- stage 1: the virtual environment, installed from local wheels only -------------------
FROM ${BASE_IMAGE} AS venv
COPY .cache/wheels /wheels
RUN python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/python -m pip install --no-index --find-links /wheels --no-cache-dir \
        --disable-pip-version-check -q \
        "torch==2.13.0" numpy scipy scikit-learn pandas \
 && /opt/venv/bin/python -m pip uninstall -y -q pip \
 && /opt/venv/bin/python -c 'import numpy, scipy, sklearn, pandas, torch; print("torch", torch.__version__, "numpy", numpy.__version__)'

# ---- stage 2: the runtime image (no wheels, no pip) -----------------------------------------
FROM ${BASE_IMAGE}
COPY --from=venv /opt/venv /opt/venv
COPY grader/_worker /opt/worker
RUN rm -rf /opt/worker/__pycache__ \
 && chmod -R a+rX,go-w /opt/worker \
 && (grep -q '^student:' /etc/passwd || echo 'student:x:1000:1000:student:/tmp:/usr/sbin/nologin' >> /etc/passwd) \
 && (grep -q '^student:' /etc/group || echo 'student:x:1000:' >> /etc/group)
ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    LANG=C.UTF-8 \
    HOME=/tmp
LABEL org.opencontainers.image.title="course-kit sandbox"
USER 1000:1000
WORKDIR /tmp
CMD ["/opt/venv/bin/python", "-I", "-B", "/opt/worker/worker.py", "/submission"]

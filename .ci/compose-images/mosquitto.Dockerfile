# Stand-in for eclipse-mosquitto:2: Debian's Mosquitto with the official image's paths.
FROM jiceng-ci/trixie
RUN mkdir -p /mosquitto/config /mosquitto/data /mosquitto/log \
    && chown -R mosquitto:mosquitto /mosquitto/data /mosquitto/log \
    && printf 'listener 1883\nallow_anonymous true\n' > /mosquitto/config/mosquitto.conf
EXPOSE 1883
CMD ["/usr/sbin/mosquitto", "-c", "/mosquitto/config/mosquitto.conf"]

# Build a static binary, then ship it alone on scratch with CA roots and
# time zone data (reminders run in Europe/Warsaw).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/infopunkt ./cmd/infopunkt \
 && mkdir -p /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /usr/local/go/lib/time/zoneinfo.zip /zoneinfo.zip
COPY --from=build /out/infopunkt /infopunkt
COPY --from=build --chown=65534:65534 /out/data /data
# The admin listener needs INFOPUNKT_ADMIN_TOKEN for everything but (with
# INFOPUNKT_ADMIN_OPEN_METRICS=1) /metrics and /readyz; publish 9090 on the
# host's loopback only. Without a channel token and without a terminal
# the bot exits 1 naming the missing variables.
ENV ZONEINFO=/zoneinfo.zip \
    INFOPUNKT_DATA=/data/infopunkt.db \
    INFOPUNKT_LISTEN=:8080 \
    INFOPUNKT_ADMIN_LISTEN=:9090
USER 65534:65534
VOLUME ["/data"]
EXPOSE 8080 9090
ENTRYPOINT ["/infopunkt"]
CMD ["run"]

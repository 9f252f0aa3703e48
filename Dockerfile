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
ENV ZONEINFO=/zoneinfo.zip \
    INFOPUNKT_DATA=/data/infopunkt.db \
    INFOPUNKT_LISTEN=:8080
USER 65534:65534
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/infopunkt"]
CMD ["run"]

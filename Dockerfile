# syntax=docker/dockerfile:1
# Build: docker build -t gatehouse .
# Run:   docker run -p 8080:8080 -v gatehouse-data:/data gatehouse
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" \
      -o /out/gatehouse ./cmd/gatehouse \
 && mkdir -p /out/data

# Static, non-root runtime: no shell, no package manager, no curl.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gatehouse /usr/local/bin/gatehouse
COPY --from=build --chown=65532:65532 /out/data /data
ENV GATEHOUSE_DATABASE_URL=sqlite:/data/gatehouse.db \
    GATEHOUSE_LISTEN=:8080
VOLUME /data
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["/usr/local/bin/gatehouse", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/gatehouse"]
CMD ["serve"]

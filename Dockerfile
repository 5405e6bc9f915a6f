# The manager's image, for those with a Docker engine: the same files as `make image` builds without one
# (hack/image), from nothing: the static manager, Mozilla's CA certificates, a non-root user.
# Multi-platform: docker buildx build --platform linux/amd64,linux/arm64 .
FROM --platform=$BUILDPLATFORM golang:1.26.8 AS builder
WORKDIR /workspace
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY hack/image/ hack/image/
COPY internal/ internal/
# /etc/passwd, /etc/group and the CA bundle, from the pinned golang.org/x/crypto/x509roots/fallback.
RUN go run ./hack/image rootfs -o /rootfs
ARG TARGETOS=linux
ARG TARGETARCH=amd64
# The flags hack/image/build.go uses.
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} GOAMD64=v1 GOARM64=v8.0 \
    go build -trimpath -buildvcs=false -ldflags="-s -w" -o /rootfs/manager ./cmd/manager

FROM scratch
COPY --from=builder /rootfs/ /
USER 65532:65532
ENTRYPOINT ["/manager"]

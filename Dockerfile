# syntax=docker/dockerfile:1
# Build: docker build -t morningpost .
# Run:   docker run -p 8080:8080 morningpost            (the embedded sample)
#        docker run -p 8080:8080 -v "$PWD/post:/content:ro" -e MORNINGPOST_CONTENT=/content morningpost
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN sh .ci/build /out/morningpost

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/morningpost /usr/local/bin/morningpost
USER nonroot:nonroot
EXPOSE 8080
ENV MORNINGPOST_ADDR=:8080 MORNINGPOST_DATA=/tmp/morningpost
ENTRYPOINT ["/usr/local/bin/morningpost"]
CMD ["serve"]

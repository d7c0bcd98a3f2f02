import MatrixCore
import MyelinHTTPClient
import NIOCore
import NIOHTTP1

/// `GET /media/preview_url`: fetches a page (or an image) for a client and returns its OpenGraph facts,
/// with `og:image` copied into the media repository. Off unless configured. The fetching client refuses
/// private, loopback and link-local addresses (after DNS, on every redirect hop) unless an allowlist says
/// otherwise, so a client cannot make the server probe the LAN.
public actor URLPreviewService {
    public struct Settings: Sendable {
        /// Largest HTML page read.
        public var maxPageBytes: Int
        /// Previews remembered (per URL), and for how long.
        public var cacheEntries: Int
        public var cacheLifetimeMs: Int64

        public init(maxPageBytes: Int = 1 << 20, cacheEntries: Int = 256, cacheLifetimeMs: Int64 = 3_600_000) {
            self.maxPageBytes = maxPageBytes
            self.cacheEntries = cacheEntries
            self.cacheLifetimeMs = cacheLifetimeMs
        }
    }

    private struct CachedPreview {
        let expiresMs: Int64
        let preview: JSONObject
    }

    private let client: HTTPClient
    private let media: MediaService
    private let settings: Settings
    private let nowMs: @Sendable () -> Int64
    private var cache: [String: CachedPreview] = [:]

    public init(client: HTTPClient, media: MediaService, settings: Settings = .init(),
                nowMs: @escaping @Sendable () -> Int64) {
        self.client = client
        self.media = media
        self.settings = settings
        self.nowMs = nowMs
    }

    public func preview(url text: String, requesterNid: Int64) async throws -> JSONObject {
        guard let url = PreviewURL.validated(text) else {
            throw MatrixError.invalidParam("url must be an absolute http or https URL")
        }
        let now = nowMs()
        if let cached = cache[url], cached.expiresMs > now { return cached.preview }

        let page = try await fetch(url, limit: settings.maxPageBytes, accept: "text/html,application/xhtml+xml,image/*")
        var preview: JSONObject = [:]
        if page.contentType.hasPrefix("image/") {
            // The URL is an image: the preview is the image itself.
            preview = try await storeImage(page, requesterNid: requesterNid)
        } else if page.contentType.hasPrefix("text/html") || page.contentType.hasPrefix("application/xhtml") {
            let graph = OpenGraph(html: Array(page.body.readableBytesView), limit: settings.maxPageBytes)
            for (key, value) in graph.properties where !key.hasPrefix("og:image") {
                preview[key] = .string(value)
            }
            if let reference = graph.imageURL, let imageURL = PreviewURL.resolve(reference, against: url),
                let image = try? await fetch(imageURL, limit: media.settings.maxUploadBytes, accept: "image/*"),
                image.contentType.hasPrefix("image/")
            {
                // A page whose image cannot be had still previews without one.
                for (key, value) in (try? await storeImage(image, requesterNid: requesterNid)) ?? [:] {
                    preview[key] = value
                }
            }
        }
        remember(url, preview, now: now)
        return preview
    }

    private struct Fetched {
        let contentType: String
        let body: ByteBuffer
    }

    private func fetch(_ url: String, limit: Int, accept: String) async throws -> Fetched {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(HTTPClientRequest(
                url: url, headers: ["User-Agent": "Myelin URL preview", "Accept": accept], maxResponseBodyBytes: limit))
        } catch let error as HTTPClientError {
            if case .addressRefused = error {
                throw MatrixError.forbidden("URL previews may not reach that address")
            }
            throw MatrixError("M_UNKNOWN", "Could not fetch the URL: \(error)", status: 502)
        }
        guard response.status.code < 400 else {
            throw MatrixError("M_UNKNOWN", "The URL answered \(response.status.code)", status: 502)
        }
        let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? "application/octet-stream"
        return Fetched(contentType: contentType, body: response.body)
    }

    /// Keeps the image in the media repository (owned by the requester) and describes it.
    private func storeImage(_ image: Fetched, requesterNid: Int64) async throws -> JSONObject {
        let type = String(image.contentType.prefix { $0 != ";" }).trimmingWhitespace()
        let uri = try await media.upload(ownerNid: requesterNid, contentType: type, fileName: nil, body: image.body)
        return [
            "og:image": .string(uri.description),
            "og:image:type": .string(type),
            "matrix:image:size": .int(Int64(image.body.readableBytes)),
        ]
    }

    private func remember(_ url: String, _ preview: JSONObject, now: Int64) {
        if cache.count >= settings.cacheEntries {
            cache = cache.filter { $0.value.expiresMs > now }
            if cache.count >= settings.cacheEntries, let oldest = cache.min(by: { $0.value.expiresMs < $1.value.expiresMs }) {
                cache[oldest.key] = nil
            }
        }
        cache[url] = CachedPreview(expiresMs: now + settings.cacheLifetimeMs, preview: preview)
    }
}

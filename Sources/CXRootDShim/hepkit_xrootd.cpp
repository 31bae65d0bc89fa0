// The XRootD client behind a C API (see include/hepkit_xrootd.h). Built as its own shared object so
// that hepkit itself never links libXrdCl: Sources/CRemote loads this file with dlopen when the first
// root:// URL is opened.
#include "hepkit_xrootd.h"

#include <XrdCl/XrdClDefaultEnv.hh>
#include <XrdCl/XrdClEnv.hh>
#include <XrdCl/XrdClFile.hh>
#include <XrdCl/XrdClXRootDResponses.hh>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

struct hepkit_xrootd {
    XrdCl::File file;
};

namespace {

// The server's defaults for one vectored read (XrdClFile.hh): at most 1024 chunks of at most
// 2097136 bytes each; larger ranges are split into several chunks.
constexpr size_t maximumChunks = 1024;
constexpr int64_t maximumChunkLength = 2097136;

void describe(char *error, size_t size, const std::string &what, const XrdCl::XRootDStatus &status) {
    std::snprintf(error, size, "%s: %s", what.c_str(), status.ToString().c_str());
}

/// A batch job must fail in seconds when a server is gone, not after XrdCl's default of five
/// connection attempts two minutes apart and a 30-minute stream error window; hepkit retries a
/// failed read itself. Values set in the environment (XRD_CONNECTIONRETRY, ...) still win:
/// PutInt does not replace a value imported from the environment.
void configureOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        XrdCl::Env *env = XrdCl::DefaultEnv::GetEnv();
        env->PutInt("ConnectionRetry", 1);
        env->PutInt("ConnectionWindow", 10);
        env->PutInt("RequestTimeout", 60);
        env->PutInt("StreamErrorWindow", 0);
    });
}

} // namespace

extern "C" hepkit_xrootd *hepkit_xrootd_open(const char *url, int64_t *size, char *error, size_t error_size) {
    configureOnce();
    auto *handle = new hepkit_xrootd();
    XrdCl::XRootDStatus status = handle->file.Open(url, XrdCl::OpenFlags::Read);
    if (!status.IsOK()) {
        describe(error, error_size, "open failed", status);
        delete handle;
        return nullptr;
    }
    XrdCl::StatInfo *info = nullptr;
    status = handle->file.Stat(false, info);
    if (!status.IsOK() || info == nullptr) {
        describe(error, error_size, "stat failed", status);
        delete info;
        hepkit_xrootd_close(handle);
        return nullptr;
    }
    *size = static_cast<int64_t>(info->GetSize());
    delete info;
    return handle;
}

extern "C" int hepkit_xrootd_readv(hepkit_xrootd *handle, int count, const int64_t *offsets, const int64_t *lengths,
                                   void *const *buffers, char *error, size_t error_size) {
    XrdCl::ChunkList chunks;
    uint64_t expected = 0;
    auto flush = [&]() -> bool {
        if (chunks.empty()) return true;
        XrdCl::VectorReadInfo *info = nullptr;
        XrdCl::XRootDStatus status = handle->file.VectorRead(chunks, nullptr, info);
        bool complete = status.IsOK() && info != nullptr && info->GetSize() == expected;
        if (!status.IsOK()) describe(error, error_size, "vectored read failed", status);
        else if (!complete)
            std::snprintf(error, error_size, "vectored read returned %llu of %llu bytes",
                          info ? (unsigned long long)info->GetSize() : 0ULL, (unsigned long long)expected);
        delete info;
        chunks.clear();
        expected = 0;
        return complete;
    };
    for (int i = 0; i < count; i++) {
        if (offsets[i] < 0 || lengths[i] < 0) {
            std::snprintf(error, error_size, "negative range %lld+%lld", (long long)offsets[i], (long long)lengths[i]);
            return -1;
        }
        for (int64_t done = 0; done < lengths[i];) {
            int64_t piece = std::min(lengths[i] - done, maximumChunkLength);
            chunks.emplace_back(static_cast<uint64_t>(offsets[i] + done), static_cast<uint32_t>(piece),
                                static_cast<char *>(buffers[i]) + done);
            expected += static_cast<uint64_t>(piece);
            done += piece;
            if (chunks.size() == maximumChunks && !flush()) return -1;
        }
    }
    return flush() ? 0 : -1;
}

extern "C" void hepkit_xrootd_close(hepkit_xrootd *handle) {
    if (handle == nullptr) return;
    if (handle->file.IsOpen()) {
        XrdCl::XRootDStatus ignored = handle->file.Close();
        (void)ignored;
    }
    delete handle;
}

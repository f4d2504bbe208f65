#ifndef NPLUS1_DRIVER_PROGRESS_H
#define NPLUS1_DRIVER_PROGRESS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace nplus1::driver {

/// A one-line progress report on a terminal: `nplus1: parsing 1234/5678 files`, rewritten
/// in place with `\r` from a thread of its own, shown only once the run has lasted
/// \p Delay, and erased by finish() (or the destructor). Workers call tick() from any
/// thread. The caller decides whether to show one at all (stderr is a terminal, not -q).
class Progress {
public:
  Progress(llvm::raw_ostream &OS, std::chrono::milliseconds Delay);
  ~Progress() { finish(); }
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  /// Starts a stage of \p Total units: "parsing" ... "files".
  void stage(llvm::StringRef Verb, size_t Total, llvm::StringRef Unit);
  /// One unit of the current stage is done.
  void tick() { Done.fetch_add(1, std::memory_order_relaxed); }
  /// Stops the thread and erases the line, if one was shown.
  void finish();

private:
  void run();
  void draw(); ///< with M held

  llvm::raw_ostream &OS;
  std::chrono::steady_clock::time_point ShowFrom;
  std::atomic<size_t> Done{0};
  std::mutex M;
  std::condition_variable Wake;
  std::string Verb, Unit;
  size_t Total = 0;
  size_t Width = 0; ///< of the line on screen (0: none shown)
  bool Stop = false;
  std::thread Ticker;
};

} // namespace nplus1::driver

#endif

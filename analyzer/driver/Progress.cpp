#include "driver/Progress.h"

namespace nplus1::driver {

using Clock = std::chrono::steady_clock;

Progress::Progress(llvm::raw_ostream &OS, std::chrono::milliseconds Delay)
    : OS(OS), ShowFrom(Clock::now() + Delay) {
  Ticker = std::thread([this] { run(); });
}

void Progress::stage(llvm::StringRef V, size_t N, llvm::StringRef U) {
  std::lock_guard<std::mutex> Lock(M);
  Verb = V.str();
  Unit = U.str();
  Total = N;
  Done.store(0, std::memory_order_relaxed);
  if (Clock::now() >= ShowFrom)
    draw();
}

void Progress::run() {
  std::unique_lock<std::mutex> Lock(M);
  if (Wake.wait_until(Lock, ShowFrom, [this] { return Stop; }))
    return;
  while (true) {
    draw();
    if (Wake.wait_for(Lock, std::chrono::milliseconds(100), [this] { return Stop; }))
      return;
  }
}

void Progress::draw() {
  if (Verb.empty())
    return;
  std::string Line = "nplus1: " + Verb + " " +
                     std::to_string(std::min(Done.load(std::memory_order_relaxed), Total)) + "/" +
                     std::to_string(Total) + " " + Unit;
  // Blanks over the rest of a longer line drawn before.
  size_t Pad = Width > Line.size() ? Width - Line.size() : 0;
  OS << '\r' << Line << std::string(Pad, ' ');
  if (Pad)
    OS << std::string(Pad, '\b');
  OS.flush();
  Width = Line.size();
}

void Progress::finish() {
  {
    std::lock_guard<std::mutex> Lock(M);
    if (Stop)
      return;
    Stop = true;
  }
  Wake.notify_all();
  Ticker.join();
  if (Width) {
    OS << '\r' << std::string(Width, ' ') << '\r';
    OS.flush();
    Width = 0;
  }
}

} // namespace nplus1::driver

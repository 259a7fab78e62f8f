#include "src/runtime/scheduler.h"

#include <fmt/format.h>

#include <algorithm>

#include "src/base/timer.h"
#include "src/runtime/logprobs.h"

namespace osprey::runtime {

namespace {

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = std::min(a.size(), b.size()), i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

double seconds_between(int64_t from_us, int64_t to_us) { return static_cast<double>(to_us - from_us) / 1e6; }

}  // namespace

Scheduler::Scheduler(Backend& backend, SchedulerConfig cfg, StatsBox& stats, base::Logger& log)
    : backend_(backend), cfg_(cfg), stats_(stats), log_(log), n_vocab_(backend.info().n_vocab) {
  slots_.resize(static_cast<size_t>(cfg_.n_slots));
  for (int i = 0; i < cfg_.n_slots; ++i) slots_[i].id = i;
}

int Scheduler::free_slots() const {
  int n = 0;
  for (const auto& s : slots_) n += s.owner == nullptr;
  return n;
}

// The idle slot sharing the longest prefix with `prompt` (least recently used among equals).
int Scheduler::pick_primary_slot(const std::vector<int32_t>& prompt, bool reuse, int* common) const {
  int best = -1;
  size_t best_common = 0;
  for (const auto& s : slots_) {
    if (s.owner) continue;
    size_t c = reuse ? common_prefix(s.tokens, prompt) : 0;
    if (best < 0 || c > best_common || (c == best_common && s.last_used_us < slots_[best].last_used_us)) {
      best = s.id;
      best_common = c;
    }
  }
  *common = static_cast<int>(best_common);
  return best;
}

int Scheduler::pick_lru_slot() const {
  int best = -1;
  for (const auto& s : slots_)
    if (!s.owner && (best < 0 || s.last_used_us < slots_[best].last_used_us)) best = s.id;
  return best;
}

void Scheduler::admit(std::unique_ptr<ActiveRequest> rp) {
  ActiveRequest& r = *rp;
  r.t_admit_us = base::now_us();
  const auto& prompt = r.req.prompt;
  int common = 0;
  int p = pick_primary_slot(prompt, r.req.cache_prompt, &common);
  Slot& s = slots_[p];
  int keep = std::min(common, static_cast<int>(prompt.size()) - 1);  // the last prompt token gives the logits
  if (keep < static_cast<int>(s.tokens.size()) && !backend_.truncate(p, keep).ok()) {
    backend_.remove_sequence(p);
    keep = 0;
  }
  s.tokens.resize(static_cast<size_t>(keep));
  r.n_cached = keep;
  r.choices.resize(static_cast<size_t>(r.req.n_choices));
  for (int i = 0; i < r.req.n_choices; ++i) {
    ChoiceState& c = r.choices[i];
    c.index = i;
    c.stop = StopMatcher(r.req.stop);
    c.slot = i == 0 ? p : pick_lru_slot();
    Slot& cs = slots_[c.slot];
    if (i > 0) {  // filled by fork() once the prompt is in
      backend_.remove_sequence(cs.id);
      cs.tokens.clear();
    }
    cs.owner = &r;
    cs.choice = i;
    cs.last_n_prompt = static_cast<int>(prompt.size());
    cs.last_n_generated = 0;
  }
  {
    std::lock_guard<std::mutex> l(stats_.mu);
    stats_.s.queue_wait.observe(seconds_between(r.t_arrival_us, r.t_admit_us));
    stats_.s.prompt_tokens_cached += static_cast<uint64_t>(keep);
  }
  active_.push_back(std::move(rp));
}

void Scheduler::cancel(RequestId id) {
  for (auto& r : active_)
    if (r->id == id && !r->ended) end_request(*r, base::cancelled("request cancelled"));
}

void Scheduler::fail_all(const Status& st) {
  for (auto& r : active_)
    if (!r->ended) end_request(*r, st);
  sweep();
}

// Makes room for n_new tokens of `seq`, dropping idle slots' cached prefixes (oldest first).
bool Scheduler::ensure_room(int seq, int n_new) {
  if (backend_.can_append(seq, n_new)) return true;
  std::vector<Slot*> idle;
  for (auto& s : slots_)
    if (!s.owner && !s.tokens.empty() && s.id != seq) idle.push_back(&s);
  std::sort(idle.begin(), idle.end(), [](Slot* a, Slot* b) { return a->last_used_us < b->last_used_us; });
  for (Slot* s : idle) {
    backend_.remove_sequence(s->id);
    s->tokens.clear();
    if (backend_.can_append(seq, n_new)) return true;
  }
  return false;
}

bool Scheduler::build_batch() {
  batch_.clear();
  rows_.clear();
  for (auto& rp : active_) {  // one decode token per running choice
    ActiveRequest& r = *rp;
    if (r.ended || r.prefilling) continue;
    for (auto& c : r.choices) {
      if (c.done) continue;
      Slot& s = slots_[c.slot];
      if (!ensure_room(s.id, 1)) {
        finish_choice(r, c, FinishReason::kLength, "");
        continue;
      }
      batch_.add(c.pending, static_cast<int32_t>(s.tokens.size()), s.id, true);
      rows_.push_back({&r, c.index});
    }
  }
  int budget = cfg_.n_batch - static_cast<int>(batch_.size());
  for (auto& rp : active_) {  // prompt chunks, oldest request first
    ActiveRequest& r = *rp;
    if (r.ended || !r.prefilling || budget <= 0) continue;
    Slot& s = slots_[r.choices[0].slot];
    const auto& prompt = r.req.prompt;
    int done = static_cast<int>(s.tokens.size());
    int n = std::min(static_cast<int>(prompt.size()) - done, budget);
    if (!ensure_room(s.id, n)) {
      end_request(r, base::resource_exhausted(fmt::format(
                         "KV cache full: {} more tokens do not fit ({} of {} blocks free)", n,
                         backend_.free_blocks(), backend_.total_blocks())));
      continue;
    }
    for (int i = 0; i < n; ++i) {
      int pos = done + i;
      batch_.add(prompt[pos], pos, s.id, pos + 1 == static_cast<int>(prompt.size()));
    }
    if (done + n == static_cast<int>(prompt.size())) rows_.push_back({&r, -1});
    budget -= n;
  }
  return batch_.size() > 0;
}

void Scheduler::step() {
  if (active_.empty()) return;
  if (!build_batch()) return sweep();
  int64_t t0 = base::now_us();
  Status st = backend_.forward(batch_, &logits_);
  int64_t t1 = base::now_us();
  if (st.ok() && logits_.size() != rows_.size() * static_cast<size_t>(n_vocab_))
    st = base::internal_error(fmt::format("forward returned {} logits, expected {} rows of {}", logits_.size(),
                                          rows_.size(), n_vocab_));
  if (!st.ok()) {
    log_.error("forward pass failed: {}", st.message());
    for (size_t i = 0; i < batch_.size(); ++i) {
      Slot& s = slots_[batch_.seq_ids[i]];
      if (s.owner && !s.owner->ended)
        end_request(*s.owner, base::internal_error("forward pass failed: " + st.message()));
    }
    return sweep();
  }
  uint64_t n_prompt_tokens = 0;
  for (size_t i = 0; i < batch_.size(); ++i) {
    Slot& s = slots_[batch_.seq_ids[i]];
    s.tokens.push_back(batch_.tokens[i]);
    if (s.owner && s.owner->prefilling) ++n_prompt_tokens;
  }
  {
    std::lock_guard<std::mutex> l(stats_.mu);
    stats_.s.steps += 1;
    stats_.s.step_tokens += batch_.size();
    stats_.s.prompt_tokens += n_prompt_tokens;
    stats_.s.busy_seconds += seconds_between(t0, t1);
  }
  for (size_t k = 0; k < rows_.size(); ++k) {
    const float* lg = logits_.data() + k * static_cast<size_t>(n_vocab_);
    ActiveRequest& r = *rows_[k].r;
    if (r.ended) continue;
    if (rows_[k].choice < 0) {
      prompt_done(r, lg);
    } else if (!r.choices[rows_[k].choice].done) {
      sample(r, r.choices[rows_[k].choice], lg);
    }
  }
  sweep();
}

void Scheduler::prompt_done(ActiveRequest& r, const float* logits) {
  r.prefilling = false;
  r.t_prompt_done_us = base::now_us();
  int primary = r.choices[0].slot;
  for (size_t i = 1; i < r.choices.size(); ++i) {
    int dst = r.choices[i].slot;
    Status st = backend_.fork(primary, dst);
    if (!st.ok()) return end_request(r, base::internal_error("cannot fork the prompt: " + st.message()));
    slots_[dst].tokens = slots_[primary].tokens;
  }
  for (size_t i = 0; i < r.choices.size(); ++i) {
    SamplingParams p = r.req.sampling;
    if (p.seed != 0xFFFFFFFF) p.seed += i;
    auto& c = r.choices[i];
    c.sampler = std::make_unique<Sampler>(p, n_vocab_, backend_.info().eos_id);
    for (int32_t t : r.req.prompt) c.sampler->accept(t);
  }
  for (auto& c : r.choices) {
    if (r.ended) return;
    if (r.req.max_tokens == 0) {
      finish_choice(r, c, FinishReason::kLength, "");
    } else {
      sample(r, c, logits);
    }
  }
}

void Scheduler::sample(ActiveRequest& r, ChoiceState& c, const float* logits) {
  int32_t id = c.sampler->sample(logits);
  c.sampler->accept(id);
  Event ev;
  ev.kind = Event::Kind::kToken;
  ev.choice = c.index;
  if (r.req.logprobs || r.req.top_logprobs > 0) {
    ev.token = token_logprobs(logits, n_vocab_, id, r.req.top_logprobs);
  } else {
    ev.token.id = id;
  }
  c.n_generated += 1;
  int64_t now = base::now_us();
  {
    std::lock_guard<std::mutex> l(stats_.mu);
    stats_.s.generated_tokens += 1;
    if (!r.first_token_seen) {
      stats_.s.time_to_first_token.observe(seconds_between(r.t_arrival_us, now));
    } else if (c.t_last_token_us > 0) {
      stats_.s.inter_token_latency.observe(seconds_between(c.t_last_token_us, now));
    }
  }
  r.first_token_seen = true;
  c.t_last_token_us = now;
  if (backend_.is_eog(id) && !r.req.sampling.ignore_eos) return finish_choice(r, c, FinishReason::kEog, "");

  std::string text;
  c.utf8.feed(backend_.token_piece(id), text);
  StopMatcher::Out so = c.stop.push(text);
  ev.text = std::move(so.text);
  emit(r, std::move(ev));
  if (so.matched) return finish_choice(r, c, FinishReason::kStopString, so.word);
  const Slot& s = slots_[c.slot];
  bool at_limit = r.req.max_tokens >= 0 && c.n_generated >= r.req.max_tokens;
  if (at_limit || static_cast<int>(s.tokens.size()) >= cfg_.n_ctx_slot)
    return finish_choice(r, c, FinishReason::kLength, "");
  c.pending = id;
}

void Scheduler::finish_choice(ActiveRequest& r, ChoiceState& c, FinishReason why, std::string word) {
  std::string text;
  if (why != FinishReason::kStopString) {  // release what was held back
    std::string rest;
    c.utf8.finish(rest);
    StopMatcher::Out so = c.stop.push(rest);
    text = std::move(so.text);
    if (so.matched) {
      why = FinishReason::kStopString;
      word = so.word;
    } else {
      text += c.stop.flush();
    }
  }
  c.done = true;
  r.n_done += 1;
  Slot& s = slots_[c.slot];
  s.owner = nullptr;
  s.choice = -1;
  s.last_used_us = base::now_us();
  s.last_n_generated = c.n_generated;
  Event ev;
  ev.kind = Event::Kind::kChoiceEnd;
  ev.choice = c.index;
  ev.text = std::move(text);
  ev.finish = why;
  ev.stop_word = std::move(word);
  emit(r, std::move(ev));
  if (r.n_done < static_cast<int>(r.choices.size())) return;
  Event done;
  done.kind = Event::Kind::kDone;
  done.stats = stats_of(r);
  {
    std::lock_guard<std::mutex> l(stats_.mu);
    stats_.s.requests_finished += 1;
    stats_.s.request_duration.observe(seconds_between(r.t_arrival_us, base::now_us()));
  }
  r.ended = true;
  emit(r, std::move(done));
}

void Scheduler::end_request(ActiveRequest& r, const Status& st) {
  release_slots(r);
  r.ended = true;
  {
    std::lock_guard<std::mutex> l(stats_.mu);
    if (st.code() == StatusCode::kCancelled) {
      stats_.s.requests_cancelled += 1;
    } else {
      stats_.s.requests_failed += 1;
    }
  }
  Event ev;
  ev.kind = Event::Kind::kError;
  ev.status = st;
  ev.stats = stats_of(r);
  emit(r, std::move(ev));
}

void Scheduler::release_slots(ActiveRequest& r) {
  int64_t now = base::now_us();
  for (auto& c : r.choices) {
    if (c.done || c.slot < 0) continue;
    c.done = true;
    Slot& s = slots_[c.slot];
    if (s.owner != &r) continue;
    s.owner = nullptr;
    s.choice = -1;
    s.last_used_us = now;
    s.last_n_generated = c.n_generated;
  }
}

void Scheduler::emit(ActiveRequest& r, Event&& ev) {
  if (!r.cb) return;
  try {
    r.cb(ev);
  } catch (const std::exception& e) {
    log_.error("request {}: event callback threw: {}", r.id, e.what());
  }
}

void Scheduler::sweep() {
  std::erase_if(active_, [](const std::unique_ptr<ActiveRequest>& r) { return r->ended; });
}

RequestStats Scheduler::stats_of(const ActiveRequest& r) const {
  RequestStats st;
  int64_t now = base::now_us();
  st.slot = r.choices.empty() ? -1 : r.choices[0].slot;
  st.n_prompt = static_cast<int>(r.req.prompt.size());
  st.n_cached = r.n_cached;
  for (const auto& c : r.choices) st.n_generated.push_back(c.n_generated);
  st.queue_ms = static_cast<double>(r.t_admit_us - r.t_arrival_us) / 1000.0;
  int64_t prompt_end = r.t_prompt_done_us > 0 ? r.t_prompt_done_us : now;
  st.prompt_ms = static_cast<double>(prompt_end - r.t_admit_us) / 1000.0;
  st.generation_ms = r.t_prompt_done_us > 0 ? static_cast<double>(now - r.t_prompt_done_us) / 1000.0 : 0.0;
  return st;
}

std::vector<SlotInfo> Scheduler::slot_infos() const {
  std::vector<SlotInfo> out;
  for (const auto& s : slots_) {
    SlotInfo i;
    i.id = s.id;
    i.busy = s.owner != nullptr;
    i.n_ctx = cfg_.n_ctx_slot;
    i.n_cached = static_cast<int>(s.tokens.size());
    i.n_prompt = s.last_n_prompt;
    i.n_generated = s.last_n_generated;
    if (s.owner) {
      i.request = s.owner->id;
      i.choice = s.choice;
      i.prompt_processing = s.owner->prefilling;
      i.n_generated = s.owner->choices[s.choice].n_generated;
    }
    out.push_back(i);
  }
  return out;
}

}  // namespace osprey::runtime

"""The Glassbox recommender: a causal transformer over the history + target attention.

score[b, c] = bias[c] + sum_l contribution[b, c, l]
contribution[b, c, l] = attention[b, c, l] * <W h_l, e_c>

h_l is the causal-transformer encoding of history position l, e_c the candidate's item
representation (id embedding + attribute embeddings), attention the candidate's softmax
over the non-padding history positions (0 at padding). Because the score is exactly the
bias plus a sum of per-position terms, `contribution` is each history item's additive share.
"""

from __future__ import annotations

import math
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

NEG = -1.0e9   # finite "minus infinity": keeps all-padding rows finite


class CausalSelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        assert dim % heads == 0
        self.heads = heads
        self.scale = 1.0 / math.sqrt(dim // heads)
        self.dim = dim
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, l = x.shape[0], x.shape[1]
        d = self.dim
        q, k, v = self.qkv(x).split(d, dim=-1)
        shape = (b, l, self.heads, d // self.heads)
        q, k, v = (t.reshape(shape).transpose(1, 2) for t in (q, k, v))
        logits = q @ k.transpose(-1, -2) * self.scale + bias
        weights = self.dropout(torch.softmax(logits, dim=-1))
        return self.out((weights @ v).transpose(1, 2).reshape(b, l, d))


class Block(nn.Module):
    """Pre-LayerNorm transformer block."""

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads, dropout)
        self.ln2 = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, dim * 2), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(dim * 2, dim))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, bias):
        x = x + self.dropout(self.attn(self.ln1(x), bias))
        return x + self.dropout(self.ffn(self.ln2(x)))


class GlassboxRecommender(nn.Module):
    def __init__(self, num_items: int, attributes: Dict[str, torch.Tensor],
                 attribute_sizes: Dict[str, int], dim: int = 64, layers: int = 2,
                 heads: int = 2, max_len: int = 50, dropout: float = 0.2,
                 logit_cap: float = 5.0, max_recency: float = 1.5,
                 title_tokens: Optional[torch.Tensor] = None, title_vocabulary: int = 0):
        super().__init__()
        self.num_items = num_items
        self.dim = dim
        self.max_len = max_len
        self.logit_cap = logit_cap
        self.max_recency = max_recency
        self.attribute_names = sorted(attributes)
        self.item_embedding = nn.Embedding(num_items + 1, dim, padding_idx=0)
        self.item_bias = nn.Embedding(num_items + 1, 1, padding_idx=0)
        self.attribute_embeddings = nn.ModuleDict()
        self.attribute_biases = nn.ModuleDict()
        for name in self.attribute_names:
            table = attributes[name].to(torch.long)
            assert table.shape == (num_items + 1,), name
            # Lookup tables live in the graph, so the ONNX inputs stay (history, candidates).
            self.register_buffer("attr_" + name, table)
            self.attribute_embeddings[name] = nn.Embedding(attribute_sizes[name], dim,
                                                           padding_idx=0)
            self.attribute_biases[name] = nn.Embedding(attribute_sizes[name], 1, padding_idx=0)
        self.title_embedding: Optional[nn.Embedding] = None
        self.title_bias: Optional[nn.Embedding] = None
        if title_tokens is not None:
            assert title_tokens.shape[0] == num_items + 1 and title_tokens.dim() == 2
            # Title word ids per item (0 = padding), a buffer like the attribute tables; an
            # item's title vector is the mean of its words' embeddings.
            self.register_buffer("title_tokens", title_tokens.to(torch.long))
            self.title_embedding = nn.Embedding(title_vocabulary, dim, padding_idx=0)
            self.title_bias = nn.Embedding(title_vocabulary, 1, padding_idx=0)
        self.position_embedding = nn.Embedding(max_len, dim)   # index = distance from the end
        self.input_dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(dim, heads, dropout) for _ in range(layers))
        self.final_norm = nn.LayerNorm(dim)
        self.query = nn.Linear(dim, dim, bias=False)
        self.key = nn.Linear(dim, dim, bias=False)
        self.value = nn.Linear(dim, dim, bias=False)
        # recency = max_recency * sigmoid(raw): penalty per step back in time in attention.
        self.recency_raw = nn.Parameter(torch.tensor(-2.0))
        # Per-item mask used in training to drop id embeddings (attribute-only items).
        self.id_keep: Optional[torch.Tensor] = None
        # Set by freeze_item_tables (for export): the item side looked up, not computed.
        self.item_tables_frozen = False
        self._init_weights()

    def _init_weights(self):
        for module in self.modules():
            if isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, std=0.02 if module.weight.shape[1] > 1 else 0.0)
                if module.padding_idx is not None:
                    with torch.no_grad():
                        module.weight[module.padding_idx].zero_()
            elif isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    # ----- item side -------------------------------------------------------------------
    def _title_mean(self, table: nn.Embedding, items: torch.Tensor) -> torch.Tensor:
        """Mean of `table` over each item's title words, [..., width] (0 without words)."""
        words = self.title_tokens[items]                                               # [..., W]
        count = (words > 0).to(torch.float32).sum(-1, keepdim=True).clamp_min(1.0)
        return table(words).sum(-2) / count

    @torch.no_grad()
    def freeze_item_tables(self) -> None:
        """Computes every item's representation, query projection and bias once, as buffers
        the item side then reads (`item_table_*`): the same function at a fraction of the
        inference cost, since the exported graph no longer recomputes them per row and per
        candidate. For export, in eval mode; training never freezes."""
        assert not self.training, "freeze_item_tables is for a model in eval mode"
        if self.item_tables_frozen:
            return      # loaded with its tables: they are all there is (the weights are not)
        items = torch.arange(self.num_items + 1)
        representation = self.item_representation(items)
        tables = {"representation": representation, "query": self.query(representation),
                  "bias": self.bias(items)}
        self.set_item_tables(tables)

    def set_item_tables(self, tables: Dict[str, torch.Tensor]) -> None:
        """Installs item tables (`representation` [N+1, D], `query` [N+1, D], `bias` [N+1])."""
        for name, table in tables.items():
            self.register_buffer("item_table_" + name, table.detach().clone())
        self.item_tables_frozen = True

    def item_representation(self, items: torch.Tensor) -> torch.Tensor:
        if self.item_tables_frozen:
            return self.item_table_representation[items]
        e = self.item_embedding(items)
        if self.id_keep is not None:
            e = e * self.id_keep[items].unsqueeze(-1)
        for name in self.attribute_names:
            e = e + self.attribute_embeddings[name](getattr(self, "attr_" + name)[items])
        if self.title_embedding is not None:
            e = e + self._title_mean(self.title_embedding, items)
        return e

    def candidate_query(self, items: torch.Tensor, representation: torch.Tensor) -> torch.Tensor:
        """The target-attention query of `items`, whose representation is given."""
        if self.item_tables_frozen:
            return self.item_table_query[items]
        return self.query(representation)

    def bias(self, items: torch.Tensor) -> torch.Tensor:
        if self.item_tables_frozen:
            return self.item_table_bias[items]
        b = self.item_bias(items).squeeze(-1)
        if self.id_keep is not None:
            b = b * self.id_keep[items]
        for name in self.attribute_names:
            b = b + self.attribute_biases[name](getattr(self, "attr_" + name)[items]).squeeze(-1)
        if self.title_bias is not None:
            b = b + self._title_mean(self.title_bias, items).squeeze(-1)
        return b

    def recency(self) -> torch.Tensor:
        return self.max_recency * torch.sigmoid(self.recency_raw)

    # ----- history side ----------------------------------------------------------------
    def encode(self, history: torch.Tensor) -> torch.Tensor:
        """[B, L] left-padded indices -> [B, L, D] causal encodings (0 at padding)."""
        length = history.shape[1]
        mask = history > 0
        steps = torch.arange(length, device=history.device)
        distance = torch.clamp(length - 1 - steps, max=self.max_len - 1)
        x = self.item_representation(history) * math.sqrt(self.dim)
        x = self.input_dropout(x + self.position_embedding(distance).unsqueeze(0))
        x = x * mask.unsqueeze(-1).to(x.dtype)
        causal = (steps.unsqueeze(0) > steps.unsqueeze(1)).to(x.dtype) * NEG      # [L, L]
        padding = (~mask).to(x.dtype) * NEG                                            # [B, L]
        bias = causal.unsqueeze(0).unsqueeze(0) + padding.unsqueeze(1).unsqueeze(1)
        for block in self.blocks:
            x = block(x, bias)
        return self.final_norm(x) * mask.unsqueeze(-1).to(x.dtype)

    def _capped(self, logits: torch.Tensor) -> torch.Tensor:
        # Bounded attention logits keep the prefix-parallel training form free of underflow.
        return self.logit_cap * torch.tanh(logits / (self.logit_cap * math.sqrt(self.dim)))

    # ----- the contract ----------------------------------------------------------------
    def forward(self, history: torch.Tensor, candidates: torch.Tensor):
        """history int64[B, L], candidates int64[B, C] -> scores, attention, contribution."""
        mask = (history > 0).to(torch.float32)                                        # [B, L]
        h = self.encode(history)
        keys = self.key(h)
        values = self.value(h)
        e = self.item_representation(candidates)                                      # [B, C, D]
        # matmul, not einsum: the exported graph gets MatMul, which ONNX Runtime runs faster.
        logits = self._capped(torch.matmul(self.candidate_query(candidates, e), keys.transpose(1, 2)))
        length = history.shape[1]
        distance = (length - 1 - torch.arange(length, device=history.device)).to(torch.float32)
        logits = logits - self.recency() * distance
        logits = logits + (1.0 - mask).unsqueeze(1) * NEG
        attention = torch.softmax(logits, dim=-1) * mask.unsqueeze(1)
        contribution = attention * torch.matmul(e, values.transpose(1, 2))
        scores = contribution.sum(dim=-1) + self.bias(candidates)
        return scores, attention, contribution

    def score_all(self, history: torch.Tensor, items: Optional[torch.Tensor] = None):
        """Scores of `items` (default: all indices 0..N) for every user: [B, len(items)]."""
        if items is None:
            items = torch.arange(self.num_items + 1, device=history.device)
        mask = (history > 0).to(torch.float32)
        h = self.encode(history)
        keys, values = self.key(h), self.value(h)
        e = self.item_representation(items)                                           # [C, D]
        logits = self._capped(torch.einsum("cd,bld->bcl", self.candidate_query(items, e), keys))
        length = history.shape[1]
        distance = (length - 1 - torch.arange(length, device=history.device)).to(torch.float32)
        logits = logits - self.recency() * distance + (1.0 - mask).unsqueeze(1) * NEG
        attention = torch.softmax(logits, dim=-1) * mask.unsqueeze(1)
        return (attention * torch.einsum("cd,bld->bcl", e, values)).sum(-1) + self.bias(items)

    def prefix_scores(self, inputs: torch.Tensor, items: torch.Tensor,
                      h: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Training form: scores of `items` [C] for every prefix at once, [B, C, T].

        Column t equals score_all(inputs[:, :t+1]) up to the position embeddings (which, as in
        SASRec, count from the window's end). The causal encoder makes h_l independent of
        later positions, so each candidate's attention over a growing prefix is a running
        (cumulative) softmax: with recency decay linear in distance, the decay factor of the
        newest position cancels and cumulative sums give every prefix's softmax.
        """
        mask = (inputs > 0).to(torch.float32)                                         # [B, T]
        if h is None:
            h = self.encode(inputs)
        keys, values = self.key(h), self.value(h)
        e = self.item_representation(items)                                           # [C, D]
        length = inputs.shape[1]
        steps = torch.arange(length, device=inputs.device).to(torch.float32)
        logits = self._capped(torch.einsum("cd,btd->bct", self.candidate_query(items, e), keys))
        logits = logits + self.recency() * steps
        top = logits.detach().amax(dim=-1, keepdim=True)
        weights = torch.exp(logits - top) * mask.unsqueeze(1)
        v = torch.einsum("cd,btd->bct", e, values)
        total = torch.cumsum(weights, dim=-1).clamp_min(1e-30)
        return torch.cumsum(weights * v, dim=-1) / total + self.bias(items).unsqueeze(-1)

    def target_scores(self, inputs: torch.Tensor, targets: torch.Tensor,
                      h: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Training form: score of targets[b, t] given the prefix inputs[b, :t+1], [B, T]."""
        mask = inputs > 0
        if h is None:
            h = self.encode(inputs)
        keys, values = self.key(h), self.value(h)
        e = self.item_representation(targets)                                         # [B, T, D]
        length = inputs.shape[1]
        steps = torch.arange(length, device=inputs.device)
        back = (steps.unsqueeze(1) - steps.unsqueeze(0)).to(torch.float32)           # t - l
        allowed = (back >= 0).unsqueeze(0) & mask.unsqueeze(1)                        # [B, T, L]
        logits = self._capped(torch.einsum("btd,bld->btl", self.candidate_query(targets, e), keys))
        logits = (logits - self.recency() * back).masked_fill(~allowed, NEG)
        attention = torch.softmax(logits, dim=-1) * allowed.to(torch.float32)
        v = torch.einsum("btd,bld->btl", e, values)
        return (attention * v).sum(-1) + self.bias(targets)


class SASRecControl(GlassboxRecommender):
    """Plain SASRec scoring on the same encoder and item representation, for ablations:
    score[b, c] = <h_last[b], e_c>, the last history position's encoding against the
    candidate's item representation (shared with the input side, as in SASRec). No target
    attention, no bias, no additive contributions, so it has no `attention`/`contribution`
    outputs and is not exported to ONNX; it trains with the same losses through the same
    training forms (prefix_scores, target_scores)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The Glassbox candidate head is not part of this model.
        del self.query, self.key, self.value, self.recency_raw, self.item_bias
        del self.attribute_biases
        if self.title_bias is not None:
            del self.title_bias
            self.title_bias = None

    def bias(self, items: torch.Tensor) -> torch.Tensor:
        return torch.zeros(items.shape, dtype=torch.float32, device=items.device)

    def forward(self, history: torch.Tensor, candidates: torch.Tensor):
        """history int64[B, L], candidates int64[B, C] -> scores float[B, C]."""
        last = self.encode(history)[:, -1]                                            # [B, D]
        return torch.einsum("bcd,bd->bc", self.item_representation(candidates), last)

    def score_all(self, history: torch.Tensor, items: Optional[torch.Tensor] = None):
        if items is None:
            items = torch.arange(self.num_items + 1, device=history.device)
        return self.encode(history)[:, -1] @ self.item_representation(items).t()

    def prefix_scores(self, inputs: torch.Tensor, items: torch.Tensor,
                      h: Optional[torch.Tensor] = None) -> torch.Tensor:
        if h is None:
            h = self.encode(inputs)
        return torch.einsum("cd,btd->bct", self.item_representation(items), h)

    def target_scores(self, inputs: torch.Tensor, targets: torch.Tensor,
                      h: Optional[torch.Tensor] = None) -> torch.Tensor:
        if h is None:
            h = self.encode(inputs)
        return (self.item_representation(targets) * h).sum(-1)

"""The seeds' code snippets with every catalogued bug fixed. Each changed line carries
`FIX-n (BUG-ID)`; n and the id match src/main/resources/dev/attnref/mirror/bugs.json. Everything
not tagged is the published code (published_code.py), unchanged.

Conventions the fixes share: masked logits are −∞; a query row with no visible key yields an
all-zero attention row (docs/MATH.md, "a row with no visible key → all zeros"), not NaN and not a
uniform row."""

S000_MHA = r'''import math
from typing import Optional, List

import torch
from torch import nn


class PrepareForMultiHeadAttention(nn.Module):
    """
    <a id="PrepareMHA"></a>

    ## Prepare for multi-head attention

    This module does a linear transformation and splits the vector into given
    number of heads for multi-head attention.
    This is used to transform **key**, **query**, and **value** vectors.
    """

    def __init__(self, d_model: int, heads: int, d_k: int, bias: bool):
        super().__init__()
        # Linear layer for linear transform
        self.linear = nn.Linear(d_model, heads * d_k, bias=bias)
        # Number of heads
        self.heads = heads
        # Number of dimensions in vectors in each head
        self.d_k = d_k

    def forward(self, x: torch.Tensor):
        # Input has shape `[seq_len, batch_size, d_model]` or `[batch_size, d_model]`.
        # We apply the linear transformation to the last dimension and split that into
        # the heads.
        head_shape = x.shape[:-1]

        # Linear transform
        x = self.linear(x)

        # Split last dimension into heads
        x = x.view(*head_shape, self.heads, self.d_k)

        # Output has shape `[seq_len, batch_size, heads, d_k]` or `[batch_size, heads, d_k]`  # FIX-4 (S000-MHA-DOC-SHAPE)
        return x


class MultiHeadAttention(nn.Module):
    def __init__(self, heads: int, d_model: int, dropout_prob: float = 0.1, bias: bool = True):
        super().__init__()

        if d_model % heads != 0:  # FIX-5 (S000-MHA-DIVIDES)
            raise ValueError(f"heads ({heads}) must divide d_model ({d_model})")  # FIX-5 (S000-MHA-DIVIDES)
        # Number of features per head
        self.d_k = d_model // heads
        # Number of heads
        self.heads = heads

        # These transform the `query`, `key` and `value` vectors for multi-headed attention.
        self.query = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=bias)
        self.key = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=bias)
        self.value = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=bias)  # FIX-1 (S000-MHA-VBIAS)

        # Softmax for attention along the time dimension of `key`
        self.softmax = nn.Softmax(dim=1)

        # Output layer
        self.output = nn.Linear(d_model, d_model)
        # Dropout
        self.dropout = nn.Dropout(dropout_prob)
        # Scaling factor before the softmax
        self.scale = 1 / math.sqrt(self.d_k)

        # We store attentions so that it can be used for logging, or other computations if needed
        self.attn = None

    def get_scores(self, query: torch.Tensor, key: torch.Tensor):
        return torch.einsum('ibhd,jbhd->ijbh', query, key)

    def prepare_mask(self, mask: torch.Tensor, query_shape: List[int], key_shape: List[int]):
        assert mask.shape[0] == 1 or mask.shape[0] == query_shape[0]
        assert mask.shape[1] == key_shape[0]
        assert mask.shape[2] == 1 or mask.shape[2] == query_shape[1]

        # Same mask applied to all heads.
        mask = mask.unsqueeze(-1)

        # resulting mask has shape `[seq_len_q, seq_len_k, batch_size, heads]`
        return mask

    def forward(self, *,
                query: torch.Tensor,
                key: torch.Tensor,
                value: torch.Tensor,
                mask: Optional[torch.Tensor] = None):
        # `query`, `key` and `value` have shape `[seq_len, batch_size, d_model]`
        seq_len, batch_size, _ = query.shape

        if mask is not None:
            mask = self.prepare_mask(mask, query.shape, key.shape)

        query = self.query(query)
        key = self.key(key)
        value = self.value(value)

        scores = self.get_scores(query, key)

        scores *= self.scale

        # Apply mask
        if mask is not None:
            scores = scores.masked_fill(mask == 0, float('-inf'))

        attn = self.softmax(scores)

        if mask is not None:  # FIX-2 (S000-MHA-NANROW): a query row with no visible key attends to nothing
            attn = attn.masked_fill((mask == 0).all(dim=1, keepdim=True), 0.0)  # FIX-2 (S000-MHA-NANROW)

        # Save attentions for any other calculations
        self.attn = attn.detach()  # FIX-3 (S000-MHA-ATTN-DROPPED): saved before dropout

        # Apply dropout
        attn = self.dropout(attn)

        x = torch.einsum("ijbh,jbhd->ibhd", attn, value)

        # Concatenate multiple heads
        x = x.reshape(seq_len, batch_size, -1)

        # Output layer
        return self.output(x)
'''

S000_MQA = r'''import math
import torch
from torch import nn

class MutiQueryAttention(torch.nn.Module):
    def __init__(self, hidden_size, num_heads):
        super(MutiQueryAttention, self).__init__()
        if hidden_size % num_heads != 0:  # FIX-10 (S000-MQA-DIVIDES)
            raise ValueError(f"num_heads ({num_heads}) must divide hidden_size ({hidden_size})")  # FIX-10 (S000-MQA-DIVIDES)
        self.num_heads = num_heads
        self.head_dim = hidden_size // num_heads

        self.q_linear = nn.Linear(hidden_size, hidden_size)
        self.k_linear = nn.Linear(hidden_size, self.head_dim) ###
        self.v_linear = nn.Linear(hidden_size, self.head_dim) ###

        self.o_linear = nn.Linear(hidden_size, hidden_size)

    def forward(self, hidden_state, attention_mask=None):
        batch_size = hidden_state.size()[0]

        query = self.q_linear(hidden_state)
        key = self.k_linear(hidden_state)
        value = self.v_linear(hidden_state)

        query = self.split_head(query)
        key = self.split_head(key, 1)
        value = self.split_head(value, 1)

        attention_scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(self.head_dim)  # FIX-9 (S000-MQA-SCALE-DTYPE)

        if attention_mask is not None:  # FIX-7 (S000-NEQ-NONE)
            hidden = attention_mask != 0  # FIX-6 (S000-MQA-MASK): 1 = hide, the published convention
            attention_scores = attention_scores.masked_fill(hidden, float('-inf'))  # FIX-6 (S000-MQA-MASK)

        attention_probs = torch.softmax(attention_scores, dim=-1)

        if attention_mask is not None:  # FIX-6 (S000-MQA-MASK): a row with no visible key attends to nothing
            attention_probs = attention_probs.masked_fill(hidden.all(dim=-1, keepdim=True), 0.0)  # FIX-6 (S000-MQA-MASK)

        output = torch.matmul(attention_probs, value)

        output = output.transpose(1, 2).contiguous().view(batch_size, -1, self.head_dim * self.num_heads)  # FIX-8 (S000-MQA-TRANSPOSE)

        output = self.o_linear(output)

        return output

    def split_head(self, x, head_num=None):
        batch_size = x.size()[0]

        if head_num == None:
            return x.view(batch_size, -1, self.num_heads, self.head_dim).transpose(1,2)
        else:
            return x.view(batch_size, -1, head_num, self.head_dim).transpose(1,2)
'''

# Only the constructor's super() call fixed: the published forward becomes reachable, so its
# other bugs (mask, transpose, scale dtype) can be observed.
S000_GQA_SUPER_FIXED = r'''import torch
from torch import nn
class GroupQueryAttention(torch.nn.Module):
    def __init__(self, hidden_size, num_heads, group_num):
        super().__init__()  # FIX-11 (S000-GQA-SUPER)
        self.num_heads = num_heads
        self.head_dim = hidden_size // num_heads
        self.group_num = group_num

        ## 初始化Q、K、V投影矩阵
        self.q_linear = nn.Linear(hidden_size, hidden_size)
        self.k_linear = nn.Linear(hidden_size, self.group_num * self.head_dim)
        self.v_linear = nn.Linear(hidden_size, self.group_num * self.head_dim)

        ## 输出线性层
        self.o_linear = nn.Linear(hidden_size, hidden_size)

    def forward(self, hidden_state, attention_mask=None):
        batch_size = hidden_state.size()[0]

        query = self.q_linear(hidden_state)
        key = self.k_linear(hidden_state)
        value = self.v_linear(hidden_state)

        query = self.split_head(query)
        key = self.split_head(key, self.group_num)
        value = self.split_head(value, self.group_num)

        attention_scores = torch.matmul(query, key.transpose(-1, -2)) / torch.sqrt(torch.tensor(self.head_dim))

        if attention_mask != None:
            attention_scores += attention_mask * -1e-9

        attention_probs = torch.softmax(attention_scores, dim=-1)

        output = torch.matmul(attention_probs, value)

        output = output.transpose(-1, -2).contiguous().view(batch_size, -1, self.head_dim * self.num_heads)

        output = self.o_linear(output)

        return output

    def split_head(self, x, group_num=None):
        batch_size,seq_len = x.size()[:2]

        if group_num == None:
            return x.view(batch_size, -1, self.num_heads, self.head_dim).transpose(1,2)
        else:
            x = x.view(batch_size, -1, group_num, self.head_dim).transpose(1,2)
            x = x[:, :, None, :, :].expand(batch_size, group_num, self.num_heads // group_num, seq_len, self.head_dim).reshape(batch_size, self.num_heads // group_num * group_num, seq_len, self.head_dim)
            return x
'''

S000_GQA = r'''import math
import torch
from torch import nn
class GroupQueryAttention(torch.nn.Module):
    def __init__(self, hidden_size, num_heads, group_num):
        super().__init__()  # FIX-11 (S000-GQA-SUPER)
        if hidden_size % num_heads != 0:  # FIX-16 (S000-GQA-DIVIDES)
            raise ValueError(f"num_heads ({num_heads}) must divide hidden_size ({hidden_size})")  # FIX-16 (S000-GQA-DIVIDES)
        if num_heads % group_num != 0:  # FIX-16 (S000-GQA-DIVIDES)
            raise ValueError(f"group_num ({group_num}) must divide num_heads ({num_heads})")  # FIX-16 (S000-GQA-DIVIDES)
        self.num_heads = num_heads
        self.head_dim = hidden_size // num_heads
        self.group_num = group_num

        ## 初始化Q、K、V投影矩阵
        self.q_linear = nn.Linear(hidden_size, hidden_size)
        self.k_linear = nn.Linear(hidden_size, self.group_num * self.head_dim)
        self.v_linear = nn.Linear(hidden_size, self.group_num * self.head_dim)

        ## 输出线性层
        self.o_linear = nn.Linear(hidden_size, hidden_size)

    def forward(self, hidden_state, attention_mask=None):
        batch_size = hidden_state.size()[0]

        query = self.q_linear(hidden_state)
        key = self.k_linear(hidden_state)
        value = self.v_linear(hidden_state)

        query = self.split_head(query)
        key = self.split_head(key, self.group_num)
        value = self.split_head(value, self.group_num)

        attention_scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(self.head_dim)  # FIX-15 (S000-GQA-SCALE-DTYPE)

        if attention_mask is not None:  # FIX-13 (S000-GQA-NEQ-NONE)
            hidden = attention_mask != 0  # FIX-12 (S000-GQA-MASK): 1 = hide, the published convention
            attention_scores = attention_scores.masked_fill(hidden, float('-inf'))  # FIX-12 (S000-GQA-MASK)

        attention_probs = torch.softmax(attention_scores, dim=-1)

        if attention_mask is not None:  # FIX-12 (S000-GQA-MASK): a row with no visible key attends to nothing
            attention_probs = attention_probs.masked_fill(hidden.all(dim=-1, keepdim=True), 0.0)  # FIX-12 (S000-GQA-MASK)

        output = torch.matmul(attention_probs, value)

        output = output.transpose(1, 2).contiguous().view(batch_size, -1, self.head_dim * self.num_heads)  # FIX-14 (S000-GQA-TRANSPOSE)

        output = self.o_linear(output)

        return output

    def split_head(self, x, group_num=None):
        batch_size,seq_len = x.size()[:2]

        if group_num == None:
            return x.view(batch_size, -1, self.num_heads, self.head_dim).transpose(1,2)
        else:
            x = x.view(batch_size, -1, group_num, self.head_dim).transpose(1,2)
            x = x[:, :, None, :, :].expand(batch_size, group_num, self.num_heads // group_num, seq_len, self.head_dim).reshape(batch_size, self.num_heads // group_num * group_num, seq_len, self.head_dim)
            return x
'''

S000_MLA = r'''import math
import torch
import torch.nn as nn

class MultiHeadLatentAttention(nn.Module):
    def __init__(self, d_model, num_heads, q_latent_dim, kv_latent_dim):  # FIX-20 (S000-MLA-DEFAULTS): no 16384-wide defaults
        super().__init__()
        self.d_model = d_model
        self.num_heads = num_heads
        self.q_latent_dim = q_latent_dim
        self.kv_latent_dim = kv_latent_dim
        head_dim = d_model // num_heads
        self.head_dim = head_dim  # FIX-17 (S000-MLA-SCALE): the q/k head dim sets the softmax scale

        # Query projections
        self.Wq_d = nn.Linear(d_model, q_latent_dim)

        # FIX-18 (S000-MLA-FREE-WQK): the up-projections W_q^U (with bias) and W_k^U are explicit;
        # W_qk is their per-head product (see W_qk below), so per-head rank is at most head_dim.
        self.Wq_u = nn.Linear(q_latent_dim, num_heads * head_dim)  # FIX-18 (S000-MLA-FREE-WQK)
        self.Wk_u = nn.Linear(kv_latent_dim, num_heads * head_dim, bias=False)  # FIX-18 (S000-MLA-FREE-WQK)

        # Key/Value latent projections
        self.Wkv_d = nn.Linear(d_model, kv_latent_dim)
        self.Wv_u = nn.Linear(kv_latent_dim, num_heads * head_dim)

        # Output projection
        self.Wo = nn.Linear(num_heads * head_dim, d_model)

    def W_qk(self, C_q):  # FIX-18 (S000-MLA-FREE-WQK): W_qk,h = (W_k,h^U)^T W_q,h^U ; b_qk,h = (W_k,h^U)^T b_q,h^U
        Wq = self.Wq_u.weight.view(self.num_heads, self.head_dim, self.q_latent_dim)
        bq = self.Wq_u.bias.view(self.num_heads, self.head_dim, 1)
        Wk = self.Wk_u.weight.view(self.num_heads, self.head_dim, self.kv_latent_dim)
        W_qk = torch.matmul(Wk.transpose(1, 2), Wq)  # (num_heads, kv_latent_dim, q_latent_dim)
        b_qk = torch.matmul(Wk.transpose(1, 2), bq)  # (num_heads, kv_latent_dim, 1)
        return torch.nn.functional.linear(C_q, W_qk.reshape(self.num_heads * self.kv_latent_dim, self.q_latent_dim), b_qk.reshape(-1))

    def forward(self, x, causal=False, absorbed=True):  # FIX-19 (S000-MLA-NOMASK): causal masking on request; no RoPE (stated)
        batch_size, seq_len, d_model = x.shape

        # Projections of input into latent spaces
        C_q = self.Wq_d(x) # shape: (batch_size, seq_len, q_latent_dim)
        C_kv = self.Wkv_d(x) # shape: (batch_size, seq_len, kv_latent_dim)

        if absorbed:
            # Attention score, shape: (batch_size, num_heads, seq_len, seq_len)
            C_qW_qk = self.W_qk(C_q).view(batch_size, seq_len, self.num_heads, self.kv_latent_dim)
            scores = torch.matmul(C_qW_qk.transpose(1, 2), C_kv.transpose(-2, -1)[:, None, ...]) / math.sqrt(self.head_dim)  # FIX-17 (S000-MLA-SCALE)
        else:  # FIX-18 (S000-MLA-FREE-WQK): the naive form the absorbed one must equal
            q = self.Wq_u(C_q).view(batch_size, seq_len, self.num_heads, self.head_dim).transpose(1, 2)  # FIX-18
            k = self.Wk_u(C_kv).view(batch_size, seq_len, self.num_heads, self.head_dim).transpose(1, 2)  # FIX-18
            scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)  # FIX-18, FIX-17

        if causal:  # FIX-19 (S000-MLA-NOMASK)
            future = torch.ones(seq_len, seq_len, dtype=torch.bool).triu(1)  # FIX-19: key s hidden from query t when s > t
            scores = scores.masked_fill(future, float('-inf'))  # FIX-19 (S000-MLA-NOMASK)

        # Attention computation
        attn_weight = torch.softmax(scores, dim=-1)

        # Restore V from latent space
        V = self.Wv_u(C_kv).view(batch_size, seq_len, self.num_heads, -1)

        # Compute attention output, shape: (batch_size, seq_len, num_heads, head_dim)
        output = torch.matmul(attn_weight, V.transpose(1,2)).transpose(1,2).contiguous()

        # Concatentate the heads, then apply output projection
        output = self.Wo(output.view(batch_size, seq_len, -1))

        return output
'''

S002_MHA = r'''import math
import torch
import torch.nn as nn
class MultiHeadAttention(nn.Module):
    def __init__(self, hidden_dim, nums_head) -> None:
        super().__init__()
        if hidden_dim % nums_head != 0:  # FIX-26 (S002-MHA-DIVIDES)
            raise ValueError(f"nums_head ({nums_head}) must divide hidden_dim ({hidden_dim})")  # FIX-26 (S002-MHA-DIVIDES)
        self.nums_head = nums_head
        self.head_dim = hidden_dim // nums_head
        self.hidden_dim = hidden_dim
        self.q_proj = nn.Linear(hidden_dim, hidden_dim)
        self.k_proj = nn.Linear(hidden_dim, hidden_dim)
        self.v_proj = nn.Linear(hidden_dim, hidden_dim)
        self.att_dropout = nn.Dropout(0.1)
        self.o_proj = nn.Linear(hidden_dim, hidden_dim)
    def forward(self, X, attention_mask=None):
        # X shape is (batch, seq, hidden_dim)
        # attention_mask: 1 = keep, 0 = hide; shape (batch, seq) for key padding, or anything  # FIX-25 (S002-MASK-DOC)
        # that broadcasts to (batch, nums_head, seq, seq)  # FIX-25 (S002-MASK-DOC)
        batch_size, seq_len, _ = X.size()
        Q = self.q_proj(X)
        K = self.k_proj(X)
        V = self.v_proj(X)
        q_state = Q.view(batch_size, seq_len, self.nums_head, self.head_dim).permute(
            0, 2, 1, 3
        )
        k_state = K.view(batch_size, seq_len, self.nums_head, self.head_dim).transpose(
            1, 2
        )
        v_state = V.view(batch_size, seq_len, self.nums_head, self.head_dim).transpose(
            1, 2
        )
        attention_weight = (
            q_state @ k_state.transpose(-1, -2) / math.sqrt(self.head_dim)
        )
        # FIX-21 (S002-PRINT): print(type(attention_mask)) removed
        if attention_mask is not None:
            if attention_mask.dim() == 2:  # FIX-25 (S002-MASK-DOC): a (batch, seq) key-padding mask
                attention_mask = attention_mask[:, None, None, :]  # FIX-25 (S002-MASK-DOC): -> (batch, 1, 1, seq)
            attention_weight = attention_weight.masked_fill(
                attention_mask == 0, float("-inf")  # FIX-23 (S002-FULLMASK), FIX-24 (S002-FP16-FILL)
            )
        attention_weight = torch.softmax(attention_weight, dim=3)
        if attention_mask is not None:  # FIX-23 (S002-FULLMASK): a row with no visible key attends to nothing
            attention_weight = attention_weight.masked_fill((attention_mask == 0).all(dim=-1, keepdim=True), 0.0)  # FIX-23
        # FIX-21 (S002-PRINT): print(attention_weight) removed
        attention_weight = self.att_dropout(attention_weight)  # FIX-22 (S002-DROPOUT): identity once the caller calls eval()
        output_mid = attention_weight @ v_state
        # 重新变成 (batch, seq_len, num_head, head_dim)
        # view needs strides compatible with the new shape; after transpose they are not (for seq > 1), so copy first  # FIX-27 (S002-VIEW-DOC)
        output_mid = output_mid.transpose(1, 2).contiguous()
        output = output_mid.view(batch_size, seq_len, -1)
        output = self.o_proj(output)
        return output
'''

S002_GQA = r'''import torch
import torch.nn as nn
import math
class GroupQueryAttention(nn.Module):
    def __init__(self, hidden_dim, nums_head, nums_key_value_head):
        super().__init__()
        assert hidden_dim % nums_head == 0 # 可以整除
        assert nums_head % nums_key_value_head == 0 # N 个 query head 为一组
        self.hidden_dim = hidden_dim
        self.nums_head = nums_head
        self.nums_key_value_head = nums_key_value_head
        self.head_dim = hidden_dim // nums_head
        self.q_proj = nn.Linear(hidden_dim, nums_head * self.head_dim)
        self.k_proj = nn.Linear(hidden_dim, nums_key_value_head * self.head_dim)
        self.v_proj = nn.Linear(hidden_dim, nums_key_value_head * self.head_dim)
        self.o_proj = nn.Linear(hidden_dim, hidden_dim)
    def forward(self, X, attention_mask=None):
        batch_size, seq, _ = X.size()
        q = self.q_proj(X)
        k = self.k_proj(X)
        v = self.v_proj(X)
        q = q.view(batch_size, seq, self.nums_head, self.head_dim)
        k = k.view(batch_size, seq, self.nums_key_value_head, self.head_dim)
        v = v.view(batch_size, seq, self.nums_key_value_head, self.head_dim)
        q = q.transpose(1, 2) # (b, nums_head, seq, head_dim)
        k = k.transpose(1, 2) # (b, nums_key_value_head, seq, head_dim)
        v = v.transpose(1, 2) # (b, nums_key_value_head, seq, head_dim)
        # k v repeat: repeat_interleave copies each kv head R times (not a broadcast)  # FIX-29 (S002-GQA-REPEAT-COPY)
        k = k.repeat_interleave(self.nums_head // self.nums_key_value_head, dim=1)
        v = v.repeat_interleave(self.nums_head // self.nums_key_value_head, dim=1)
        attention_score = (q @ k.transpose(2, 3)) / math.sqrt(self.head_dim)
        if attention_mask is not None:  # FIX-28 (S002-GQA-MASK-IGNORED): 1 = keep, as in seed 002's MHA
            hidden = attention_mask == 0  # FIX-28
            attention_score = attention_score.masked_fill(hidden, float("-inf"))  # FIX-28
        attention_weight = torch.softmax(attention_score, dim=-1)
        if attention_mask is not None:  # FIX-28: a row with no visible key attends to nothing
            attention_weight = attention_weight.masked_fill(hidden.all(dim=-1, keepdim=True), 0.0)  # FIX-28
        output = attention_weight @ v # (b, nums_head, seq, head_dim)
        output = output.transpose(1, 2).contiguous()
        final_output = self.o_proj(output.view(batch_size, seq, -1))
        return final_output
'''

S003_MHA = r'''import torch
import torch.nn as nn
import torch.nn.functional as F
import math

class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super(MultiHeadAttention, self).__init__()
        assert d_model % num_heads == 0, "d_model must be divisible by num_heads"

        self.d_model = d_model
        self.num_heads = num_heads
        self.d_k = d_model // num_heads # Dimension of each head's key/query/value

        self.W_Q = nn.Linear(d_model, d_model)
        self.W_K = nn.Linear(d_model, d_model)
        self.W_V = nn.Linear(d_model, d_model)
        self.W_O = nn.Linear(d_model, d_model)

    def scaled_dot_product_attention(self, Q, K, V, mask=None):
        attn_scores = torch.matmul(Q, K.transpose(-2, -1)) / math.sqrt(self.d_k) # (batch_size, num_heads, seq_len_q, seq_len_k)

        if mask is not None:
            attn_scores = attn_scores.masked_fill(mask == 0, float('-inf')) # FIX-31 (S003-FULLMASK), FIX-32 (S003-FP16-FILL)

        attention_weights = F.softmax(attn_scores, dim=-1) # (batch_size, num_heads, seq_len_q, seq_len_k)
        if mask is not None:  # FIX-31 (S003-FULLMASK): a row with no visible key attends to nothing
            attention_weights = attention_weights.masked_fill((mask == 0).all(dim=-1, keepdim=True), 0.0)  # FIX-31
        output = torch.matmul(attention_weights, V) # (batch_size, num_heads, seq_len_q, d_k)
        return output, attention_weights

    def split_heads(self, x):
        batch_size, seq_len, d_model = x.size()
        return x.view(batch_size, seq_len, self.num_heads, self.d_k).transpose(1, 2)

    def combine_heads(self, x):
        batch_size, num_heads, seq_len, d_k = x.size()
        return x.transpose(1, 2).contiguous().view(batch_size, seq_len, self.d_model)

    def forward(self, Q, K, V, mask=None):
        """
        Returns:
            output: Multi-head attention output (batch_size, seq_len_q, d_model)
            attention_weights: Attention weights of every head (batch_size, num_heads, seq_len_q, seq_len_k)  # FIX-30 (S003-DOC)
        """
        Q = self.W_Q(Q) # (batch_size, seq_len_q, d_model)
        K = self.W_K(K) # (batch_size, seq_len_k, d_model)
        V = self.W_V(V) # (batch_size, seq_len_k, d_model)

        Q = self.split_heads(Q) # (batch_size, num_heads, seq_len_q, d_k)
        K = self.split_heads(K) # (batch_size, num_heads, seq_len_k, d_k)
        V = self.split_heads(V) # (batch_size, num_heads, seq_len_k, d_k)

        output, attention_weights = self.scaled_dot_product_attention(Q, K, V, mask) # (batch_size, num_heads, seq_len_q, d_k)

        output = self.combine_heads(output) # (batch_size, seq_len_q, d_model)

        output = self.W_O(output) # (batch_size, seq_len_q, d_model)

        return output, attention_weights
'''

S003_BMM = r'''import torch
import torch.nn.functional as F
import math

def scaled_dot_product_attention_optimized(Q, K, V, mask=None):
    batch_size, num_heads, seq_len_q, d_k = Q.size()
    seq_len_k = K.size(2)

    # Calculate attention scores
    attn_scores = torch.bmm(Q.reshape(batch_size * num_heads, seq_len_q, d_k),  # FIX-33 (S003-BMM-VIEW)
                            K.reshape(batch_size * num_heads, seq_len_k, d_k).transpose(1, 2)) # FIX-33 (S003-BMM-VIEW)
    attn_scores = attn_scores.view(batch_size, num_heads, seq_len_q, seq_len_k) / math.sqrt(d_k)

    # Apply mask
    if mask is not None:
        attn_scores = attn_scores.masked_fill(mask == 0, float('-inf'))  # FIX-34 (S003-BMM-FULLMASK), FIX-35 (S003-BMM-FP16-FILL)

    # Calculate attention weights
    attention_weights = F.softmax(attn_scores, dim=-1)
    if mask is not None:  # FIX-34 (S003-BMM-FULLMASK): a row with no visible key attends to nothing
        attention_weights = attention_weights.masked_fill((mask == 0).all(dim=-1, keepdim=True), 0.0)  # FIX-34

    # Calculate output
    output = torch.bmm(attention_weights.view(batch_size * num_heads, seq_len_q, seq_len_k),
                       V.reshape(batch_size * num_heads, seq_len_k, d_k)) # FIX-33 (S003-BMM-VIEW)
    output = output.view(batch_size, num_heads, seq_len_q, d_k)

    return output, attention_weights
'''

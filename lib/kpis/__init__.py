"""How much are we doing: KPI measures, monthly figures, the RAG table and recruitment figures."""

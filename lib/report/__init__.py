"""The quarterly (or annual) feedback report: built once, previewed, rendered as PDF and workbook, published."""

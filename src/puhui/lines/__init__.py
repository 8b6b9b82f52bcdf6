"""Revolving credit lines: checkout holds, purchases, cash draws, statements, instalments."""

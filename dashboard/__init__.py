"""Streamlit app of XRegion Monitor."""

// placeholder; replaced by the store layer
public enum StorePlaceholder {}
